#!/usr/bin/env bash
# Sets up a fresh Debian machine (with the .NET 10 SDK) and runs Engine's whole test suite.
# Prints "N passed, N failed" from the real results at the end; exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use: PoCL runs the OpenCL tests on the CPU; liblmdb0 is the LMDB (0.9, Caffe's format) the Data layer reads.
# openmpi-bin runs the data-parallel tests under mpirun; chromium is the headless browser the web editor's UI tests drive through Playwright (no browser download).
packages=(pocl-opencl-icd ocl-icd-libopencl1 clinfo liblmdb0 chromium openmpi-bin libopenmpi-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Engine.sln --nologo -v quiet
dotnet build Engine.sln -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly

results="$(pwd)/Tests/TestResults"
rm -rf "$results"
status=0
dotnet test Tests/Engine.Tests.csproj -c Release --no-build --nologo \
  --logger "trx;LogFileName=engine.trx" --results-directory "$results" "$@" || status=$?

trx="$results/engine.trx"
if [ ! -f "$trx" ]; then
  echo "no test results were written" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
field() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
passed=$(field passed); failed=$(field failed); errors=$(field error); timeouts=$(field timeout)
inconclusive=$(field inconclusive); notexecuted=$(field notExecuted)
failed=$((failed + errors + timeouts))
skipped=$((inconclusive + notexecuted))
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test ran" >&2
  status=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$failed" -gt 0 ]; then
  exit 1
fi
exit "$status"
