#!/bin/sh
# The layering rule of docs/architecture.md: code outside core/ (the command
# line, the conformance kit, the test host, the plugins, the sandbox, the
# service) includes only public headers. Only unit tests of private core
# modules (tests/) may include core's private headers.
src=${1:?usage: layering.sh SOURCE_ROOT}
cd "$src" || exit 2
private=$(cd core && ls *.h | sed 's/\./\\./g' | paste -sd'|')
found=$(grep -rnE "#include \"(../)*(core/)?($private)\"" tools conformance testhost plugins sdk \
            sandbox service 2>/dev/null)
if [ -n "$found" ]; then
    echo "private core headers included outside core/ and its unit tests:"
    echo "$found"
    exit 1
fi
# A plugin includes SDK headers only: never libtender's host API.
found=$(grep -rnE "#include [<\"]tender/(tender|money|testhost)\.h" plugins 2>/dev/null)
if [ -n "$found" ]; then
    echo "a plugin includes a host header:"
    echo "$found"
    exit 1
fi
echo "layering: no private core header outside core/, no host header in a plugin"
