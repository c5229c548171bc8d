#!/usr/bin/env bash
# The main job: sets up a fresh Debian machine (with the .NET 10 SDK), then trains Caffe's LeNet recipe on
# Fashion-MNIST with the CPU backend and prints the test accuracy and where the model was saved.
# Extra arguments go to `engine train` (e.g. --iterations 2000, --threads 2).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Editor/Engine.Editor.csproj -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet Editor/bin/Release/net10.0/engine.dll train --solver Samples/FashionLenet/lenet_solver.prototxt "$@"
