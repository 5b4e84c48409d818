"""The package's version when used from a checkout: read from the npm package's package.json, the
project's one source of the version. A built package has this file rewritten by setup.py."""
import json
import os

_PACKAGE_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "web", "attnscope",
                             "package.json")
with open(_PACKAGE_JSON, encoding="utf-8") as _f:
    __version__ = json.load(_f)["version"]
