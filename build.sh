#!/usr/bin/env bash
# One entry point: restores the pinned Cake tool and runs build.cake with the given arguments.
#   ./build.sh                  build and run the main job (Demo)
#   ./build.sh --target=Test    run every test
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! command -v dotnet >/dev/null 2>&1; then
  echo "build.sh: the .NET SDK (dotnet, 10.0) is required and not on PATH" >&2
  exit 1
fi
dotnet tool restore >/dev/null
exec dotnet tool run dotnet-cake build.cake "$@"
