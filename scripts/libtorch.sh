# shellcheck shell=bash
# Sourced by ../onboard.sh: makes libtorch available to the build and at run time.
#
# tch 0.26 links PyTorch 2.13.0 exactly, and the only place it can come from is the
# PyPI `torch` wheel. We install that wheel once into a per-user cache shared by every
# clone (override the place with ONBOARD_CACHE), with only the two CUDA runtime
# libraries that the CPU library itself loads, then export LIBTORCH for torch-sys and
# LD_LIBRARY_PATH for the programs. A second call finds the finished install and
# returns at once. ONBOARD_TORCH=cuda installs the wheel with all its CUDA
# dependencies instead (about 5 GB), for machines with an NVIDIA GPU.

onboard_torch_version=2.13.0
onboard_torch_flavour=${ONBOARD_TORCH:-cpu}
onboard_cache=${ONBOARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/onboard}
onboard_torch_dir="$onboard_cache/torch-$onboard_torch_version-$onboard_torch_flavour"

onboard_install_torch() {
    local python staging
    python=$(command -v python3 || command -v python) || {
        echo "onboard: python3 with pip is needed once, to fetch libtorch from PyPI" >&2
        return 1
    }
    mkdir -p "$onboard_cache"
    staging=$(mktemp -d "$onboard_cache/.install-XXXXXX")
    echo "onboard: installing libtorch $onboard_torch_version ($onboard_torch_flavour) into $onboard_torch_dir (once)" >&2
    case "$onboard_torch_flavour" in
        cpu)
            # Versions as torch 2.13.0 pins them through cuda-toolkit 13.0.3.
            PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-deps \
                --target "$staging" "torch==$onboard_torch_version" \
                "nvidia-cuda-runtime==13.0.96.*" "nvidia-cuda-cupti==13.0.85.*"
            ;;
        cuda)
            PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check \
                --target "$staging" "torch==$onboard_torch_version"
            ;;
        *)
            echo "onboard: ONBOARD_TORCH must be cpu or cuda, got '$onboard_torch_flavour'" >&2
            rm -rf "$staging"
            return 1
            ;;
    esac || {
        rm -rf "$staging"
        echo "onboard: pip could not install torch==$onboard_torch_version" >&2
        return 1
    }
    # The rename is atomic: an interrupted install leaves only a staging folder behind.
    rm -rf "$onboard_torch_dir"
    mv "$staging" "$onboard_torch_dir"
}

if [ ! -f "$onboard_torch_dir/torch/lib/libtorch_cpu.so" ]; then
    onboard_install_torch || return 1
fi

export LIBTORCH="$onboard_torch_dir/torch"
export LD_LIBRARY_PATH="$LIBTORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
