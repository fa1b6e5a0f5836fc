# Sourced by the compare_*.sh scripts: the peers' folder, Debian's PyTorch (installed if missing),
# our build (cmake/setup.sh) and $tmp, a scratch folder removed on exit.
shared=${SEQRL_SHARED:-$root/../shared}
[ -d "$shared/peers" ] || { echo "peers not found under $shared/peers" >&2; exit 1; }
if ! /usr/bin/python3 -c "import torch, numpy" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-torch python3-numpy libopenblas-dev
fi
# our build, and a scratch folder removed on exit
bash "$root/cmake/setup.sh" "$root/build" > /dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
