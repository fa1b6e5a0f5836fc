"""The build backend behind `pip install .` (PEP 517): the same CMake build as everything else.

It configures the project in build-pip/ beside pyproject.toml (SEQRL_PIP_BUILD_DIR to choose
another folder), builds the Python module's target only (seqrl_python: the static seqrl libraries
and seqrl/_seqrl.*.so), and packs seqrl/ into a wheel for the running Python. Nothing is
downloaded: the C++ libraries come from Debian's packages (cmake/setup.sh installs them), and the
backend needs nothing beyond the standard library, so pip runs it with --no-build-isolation (only
Debian's registry is reachable here, not the pip registry).

CMake options: SEQRL_CMAKE_ARGS="-DSEQRL_NATIVE=OFF ..." in the environment, or
pip's --config-settings cmake.args="-DSEQRL_NATIVE=OFF ...".
"""

import base64
import hashlib
import os
import shlex
import subprocess
import sys
import sysconfig
import zipfile

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_NAME = "seqrl"


def _version():
    # project(seqrl VERSION x.y.z ...) in CMakeLists.txt: one version for C++ and Python
    with open(os.path.join(_ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("project(seqrl VERSION "):
                return line.split()[2]
    raise RuntimeError("seqrl build backend: no 'project(seqrl VERSION ...)' line in CMakeLists.txt")


def _tag():
    # the running interpreter's ABI and platform: cp311-cp311-linux_x86_64
    impl = "cp%d%d" % sys.version_info[:2]
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s-%s" % (impl, impl, plat)


def _metadata(version):
    return (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: Text generation as sequential decision making: seqrl's C++ environments, spaces and "
        "text metrics behind Gymnasium's API\n"
        "Requires-Python: >=3.9\n"
        "Requires-Dist: numpy\n" % (_NAME, version)
    )


def _build_module(config_settings):
    build = os.environ.get("SEQRL_PIP_BUILD_DIR") or os.path.join(_ROOT, "build-pip")
    args = shlex.split(os.environ.get("SEQRL_CMAKE_ARGS", ""))
    if config_settings and config_settings.get("cmake.args"):
        args += shlex.split(config_settings["cmake.args"])
    jobs = str(os.cpu_count() or 1)

    def run(cmd):
        print("seqrl build backend:", " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, stdout=sys.stderr)

    run(["cmake", "-S", _ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DSEQRL_PYTHON=ON",
         "-DSEQRL_BUILD_TESTS=OFF", "-DSEQRL_BUILD_BENCH=OFF", "-DPython_EXECUTABLE=" + sys.executable] + args)
    run(["cmake", "--build", build, "--target", "seqrl_python", "-j", jobs])
    package = os.path.join(build, "python", _NAME)
    files = sorted(f for f in os.listdir(package) if f == "__init__.py" or f.startswith("_seqrl."))
    if not any(f.startswith("_seqrl.") for f in files):
        raise RuntimeError("seqrl build backend: the build made no module in " + package)
    return package, files


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (name, digest, len(data))


def _write_dist_info(version):
    return {
        "METADATA": _metadata(version).encode(),
        "WHEEL": ("Wheel-Version: 1.0\nGenerator: seqrl_build\nRoot-Is-Purelib: false\nTag: %s\n" % _tag()).encode(),
    }


# ---- PEP 517 hooks -----------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    version = _version()
    info = "%s-%s.dist-info" % (_NAME, version)
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    for name, data in _write_dist_info(version).items():
        with open(os.path.join(metadata_directory, info, name), "wb") as f:
            f.write(data)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    package, files = _build_module(config_settings)
    info = "%s-%s.dist-info" % (_NAME, version)
    wheel = "%s-%s-%s.whl" % (_NAME, version, _tag())
    record = ""
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        entries = [("%s/%s" % (_NAME, f), open(os.path.join(package, f), "rb").read()) for f in files]
        entries += [("%s/%s" % (info, n), d) for n, d in _write_dist_info(version).items()]
        for name, data in entries:
            z.writestr(name, data)
            record += _record_line(name, data)
        record += "%s/RECORD,,\n" % info
        z.writestr("%s/RECORD" % info, record)
    return wheel
