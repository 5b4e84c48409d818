"""Build hook. The wheel carries the single-file viewer bundle (the npm package's
dist/attnscope-embed.js, made by ./scripts/build-embed), so installing it needs no JavaScript build,
network or repository; its version comes from the npm package's package.json, the project's one
source of the version. Build it offline with Debian's setuptools and wheel:
    ./scripts/build-embed && /usr/bin/python3 -m pip wheel --no-build-isolation --no-deps -w dist bindings/python
Metadata lives in pyproject.toml."""
import json
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
NPM_PACKAGE = os.path.join(REPO, "web", "attnscope")
BUNDLE_NAME = "attnscope-embed.js"


def read_version():
    with open(os.path.join(NPM_PACKAGE, "package.json"), encoding="utf-8") as f:
        return json.load(f)["version"]


def find_bundle():
    candidates = [
        os.environ.get("ATTNSCOPE_EMBED_BUNDLE"),
        os.path.join(NPM_PACKAGE, "dist", BUNDLE_NAME),  # built in the repository
    ]
    for path in candidates:
        if path and os.path.isfile(path):
            return os.path.abspath(path)
    raise SystemExit(
        "attnscope: %s not found. Build it first with ./scripts/build-embed "
        "(or point ATTNSCOPE_EMBED_BUNDLE at it)." % BUNDLE_NAME)


class BuildPyWithBundle(build_py):
    """Copies the bundle in and writes the version into the built package."""

    def run(self):
        super().run()
        package = os.path.join(self.build_lib, "attnscope")
        os.makedirs(package, exist_ok=True)
        shutil.copyfile(find_bundle(), os.path.join(package, BUNDLE_NAME))
        with open(os.path.join(package, "_version.py"), "w", encoding="utf-8") as f:
            f.write('"""Written by setup.py from package.json when the package was built."""\n'
                    "__version__ = %r\n" % read_version())


# The project's LICENSE sits at the repository root; setuptools takes license files from here.
shutil.copyfile(os.path.join(REPO, "LICENSE"), os.path.join(HERE, "LICENSE"))
setup(version=read_version(), cmdclass={"build_py": BuildPyWithBundle})
