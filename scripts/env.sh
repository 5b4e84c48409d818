# Sourced by the scripts: the environment Debian's Emscripten 3.1.6 needs.
# Its compiler driver requires acorn etc. from Debian's Node module folder, which Node does not search.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
ATTNSCOPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ATTNSCOPE_ROOT
