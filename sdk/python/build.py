#!/usr/bin/python3
"""Assembles an importable copy of the modgate Python plugin SDK with its generated stubs.

    /usr/bin/python3 sdk/python/build.py [--out DIR]     (default DIR: sdk/python/build)

DIR then holds `modgate_plugin/` (this SDK) with `modgate_plugin/_generated/` (the protocol's
stubs, generated here from proto/ by grpc_tools.protoc): put DIR on sys.path and
`from modgate_plugin import serve`. A plugin's build copies this into its own folder so the
folder runs on its own. Needs Debian's python3-grpcio, python3-grpc-tools, python3-protobuf.
"""
import argparse
import fcntl
import hashlib
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))
MISSING_HELP = (
    "the Python gRPC toolchain is missing ({what}); install Debian's packages:\n"
    "  apt-get install -y python3-grpcio python3-grpc-tools python3-protobuf\n"
    "and run this with /usr/bin/python3 (not a pyenv/venv python without them)"
)


def fail(message):
    sys.stderr.write("sdk/python/build.py: %s\n" % message)
    sys.exit(1)


def check_toolchain():
    for module in ("grpc", "google.protobuf", "grpc_tools.protoc"):
        try:
            __import__(module)
        except ImportError as err:
            fail(MISSING_HELP.format(what="%s: %s" % (module, err)))


def generate(out_dir):
    from grpc_tools import protoc  # noqa: E402 (checked above)
    import grpc_tools

    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    with tempfile.TemporaryDirectory() as tmp:
        # The standard health proto is compiled as grpc_health/v1/health.proto (what
        # grpcio-health-checking does): a top-level `grpc` folder would shadow grpcio itself.
        # Its proto package (grpc.health.v1), and so the wire names, stay the same.
        os.makedirs(os.path.join(tmp, "grpc_health", "v1"))
        shutil.copy(os.path.join(PROTO_DIR, "grpc", "health", "v1", "health.proto"), os.path.join(tmp, "grpc_health", "v1", "health.proto"))
        jobs = [
            (PROTO_DIR, "modgate/plugin/v1/plugin.proto"),
            (tmp, "grpc_health/v1/health.proto"),
        ]
        for include, name in jobs:
            code = protoc.main([
                "grpc_tools.protoc",
                "-I" + include,
                "-I" + well_known,
                "--python_out=" + out_dir,
                "--grpc_python_out=" + out_dir,
                os.path.join(include, name),
            ])
            if code != 0:
                fail("protoc failed on %s (exit %s)" % (name, code))


def sources_digest():
    """A digest of everything the output is made from: rebuilding is skipped when it matches."""
    digest = hashlib.sha256()
    files = [os.path.abspath(__file__), os.path.join(PROTO_DIR, "modgate", "plugin", "v1", "plugin.proto"), os.path.join(PROTO_DIR, "grpc", "health", "v1", "health.proto")]
    sdk = os.path.join(HERE, "modgate_plugin")
    files += sorted(os.path.join(sdk, f) for f in os.listdir(sdk) if f.endswith(".py"))
    for path in files:
        digest.update(path.encode("utf-8"))
        with open(path, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(HERE, "build"), help="folder to write modgate_plugin/ into")
    args = parser.parse_args()
    check_toolchain()
    if not os.path.isfile(os.path.join(PROTO_DIR, "modgate", "plugin", "v1", "plugin.proto")):
        fail("cannot find the protocol at %s" % PROTO_DIR)

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    package = os.path.join(out, "modgate_plugin")
    stamp = os.path.join(package, "_generated", "BUILT_FROM")
    digest = sources_digest()
    # Builds running at the same time (parallel test files) take turns; the later ones find
    # the output up to date and leave it alone, so nobody sees a half-written package.
    with open(os.path.join(out, ".build.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isfile(stamp) and open(stamp).read() == digest:
            print("modgate Python SDK is up to date in %s" % package)
            return
        staging = tempfile.mkdtemp(prefix=".modgate_plugin-", dir=out)
        staged = os.path.join(staging, "modgate_plugin")
        shutil.copytree(os.path.join(HERE, "modgate_plugin"), staged, ignore=shutil.ignore_patterns("__pycache__", "_generated"))
        os.makedirs(os.path.join(staged, "_generated"))
        generate(os.path.join(staged, "_generated"))
        with open(os.path.join(staged, "_generated", "BUILT_FROM"), "w") as f:
            f.write(digest)
        shutil.rmtree(package, ignore_errors=True)
        os.rename(staged, package)
        shutil.rmtree(staging, ignore_errors=True)
    print("modgate Python SDK -> %s" % package)


if __name__ == "__main__":
    main()
