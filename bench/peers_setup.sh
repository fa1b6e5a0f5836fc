# Sourced by the compare_*.sh scripts: the peers' folder and Debian's PyTorch, installed if missing.
shared=${SEQRL_SHARED:-$root/../shared}
[ -d "$shared/peers" ] || { echo "peers not found under $shared/peers" >&2; exit 1; }
if ! /usr/bin/python3 -c "import torch, numpy" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-torch python3-numpy libopenblas-dev
fi
