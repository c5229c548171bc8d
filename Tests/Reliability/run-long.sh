#!/usr/bin/env bash
# The long versions of the reliability suite, in one command:
#   ENGINE_LONG_TESTS=1 reliability, leak (CPU and OpenCL), kill-during-snapshot and concurrency tests,
#   then FUZZ_INPUTS (default 1 000 000) fuzz inputs per target.
# Usage: bash Tests/Reliability/run-long.sh [--no-fuzz]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build Engine.sln -c Release
ENGINE_LONG_TESTS=1 dotnet test Tests/Engine.Tests.csproj -c Release --no-build \
    --filter "FullyQualifiedName~Engine.Tests.Reliability|FullyQualifiedName~Engine.Tests.Embedding.InferenceTests" \
    --logger "console;verbosity=detailed"
if [[ "${1:-}" != "--no-fuzz" ]]; then
    for target in prototxt solver caffemodel solverstate idx npy check; do
        dotnet run -c Release --no-build --project Tests/Fuzz -- "$target" "${FUZZ_INPUTS:-1000000}" 1
    done
fi
