"""Build hook: copies the single-file bundle (web/dist/attnscope-embed.js, made by
./scripts/build-embed) into the package, so the installed package needs nothing from the repository.
Metadata lives in pyproject.toml."""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE_NAME = "attnscope-embed.js"


def find_bundle():
    candidates = [
        os.environ.get("ATTNSCOPE_EMBED_BUNDLE"),
        os.path.join(HERE, "..", "..", "web", "dist", BUNDLE_NAME),  # built in the repository
        os.path.join(HERE, "attnscope", BUNDLE_NAME),                 # already copied (sdist)
    ]
    for path in candidates:
        if path and os.path.isfile(path):
            return os.path.abspath(path)
    raise SystemExit(
        "attnscope: %s not found. Build it first with ./scripts/build-embed "
        "(or point ATTNSCOPE_EMBED_BUNDLE at it)." % BUNDLE_NAME)


class BuildPyWithBundle(build_py):
    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "attnscope", BUNDLE_NAME)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(find_bundle(), target)


setup(cmdclass={"build_py": BuildPyWithBundle})
