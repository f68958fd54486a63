"""Cut a worker process off the network, by construction.

The SPARQL engine (Oxigraph, in Rust) opens its own connections for `SERVICE` and `LOAD`; Python's
socket module and audit hooks never see them. So the query workers of `plankg serve` drop the
ability to make network sockets at all, before they open the store:

- a seccomp filter (Linux x86-64 and aarch64, no privileges needed): `socket()` with any address
  family other than AF_UNIX fails with EACCES, and `io_uring_setup` (which could issue a connect
  outside the filter's sight) fails with ENOSYS. The filter is inherited by every thread and child
  and cannot be removed (`PR_SET_NO_NEW_PRIVS`);
- when the process may (root, or unprivileged user namespaces), also a fresh, empty network
  namespace (`unshare(CLONE_NEWNET)`): no interface but a down loopback.

Whatever a query says (`SERVICE` spelled with escapes, hidden behind comments that end at `\\r`,
an endpoint in a variable), the engine cannot reach any host. `isolate()` reports what it set up,
and raises SandboxError when it can set up neither.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import socket

from plankg.errors import PlankgError

# seccomp and prctl constants (linux/seccomp.h, linux/prctl.h, linux/filter.h, linux/audit.h)
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
BPF_RET_K = 0x06  # BPF_RET | BPF_K
EACCES, ENOSYS = 13, 38
CLONE_NEWNET, CLONE_NEWUSER = 0x40000000, 0x10000000
X32_SYSCALL_BIT = 0x40000000

# arch → (AUDIT_ARCH value, socket syscall number, io_uring_setup syscall number)
ARCHES = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}


class SandboxError(PlankgError):
    """The worker cannot be cut off the network on this system."""

    code = "E071"


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(arch: int, sys_socket: int, sys_io_uring: int) -> list[tuple[int, int, int, int]]:
    """The BPF filter: deny non-AF_UNIX sockets and io_uring, allow everything else.

    seccomp_data is {int nr; u32 arch; u64 ip; u64 args[6]}: nr at 0, arch at 4, args[0] at 16
    (its low word on these little-endian machines)."""
    deny_socket = SECCOMP_RET_ERRNO | EACCES
    return [
        (BPF_LD_W_ABS, 0, 0, 4),  # 0: A = arch
        (BPF_JEQ_K, 1, 0, arch),  # 1: our arch → 3, else → 2
        (BPF_RET_K, 0, 0, deny_socket),  # 2: another ABI (i386 int 0x80): deny every call
        (BPF_LD_W_ABS, 0, 0, 0),  # 3: A = syscall number
        (BPF_JGE_K, 0, 1, X32_SYSCALL_BIT),  # 4: x32 ABI → 5 (deny), else → 6
        (BPF_RET_K, 0, 0, deny_socket),  # 5
        (BPF_JEQ_K, 0, 1, sys_io_uring),  # 6: io_uring_setup → 7, else → 8
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS),  # 7
        (BPF_JEQ_K, 0, 3, sys_socket),  # 8: socket → 9, else → 12 (allow)
        (BPF_LD_W_ABS, 0, 0, 16),  # 9: A = domain
        (BPF_JEQ_K, 1, 0, socket.AF_UNIX),  # 10: AF_UNIX → 12, else → 11
        (BPF_RET_K, 0, 0, deny_socket),  # 11
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),  # 12
    ]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def install_seccomp() -> None:
    """Install the socket filter in this process (and every thread and child it makes later)."""
    machine = platform.machine()
    if os.uname().sysname != "Linux" or machine not in ARCHES:
        raise SandboxError(f"no seccomp filter for {os.uname().sysname} {machine}")
    instructions = _program(*ARCHES[machine])
    array = (_SockFilter * len(instructions))(*(_SockFilter(*i) for i in instructions))
    prog = _SockFprog(len(instructions), array)
    libc = _libc()
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise SandboxError(f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")


def unshare_network() -> bool:
    """Move this process into a new, empty network namespace when allowed; False when not.

    Must run while the process has one thread (CLONE_NEWUSER requires it)."""
    if os.uname().sysname != "Linux":
        return False
    libc = _libc()
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    # keep our own uid and gid inside the new user namespace, so files look as they did
    try:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    except OSError:
        pass  # the namespace holds anyway; ids show as the overflow id
    return True


def isolate() -> tuple[str, ...]:
    """Cut this process off the network; the layers set up, e.g. ("netns", "seccomp")."""
    layers = []
    if unshare_network():
        layers.append("netns")
    try:
        install_seccomp()
        layers.append("seccomp")
    except SandboxError:
        if not layers:
            raise
    return tuple(layers)


def can_connect(host: str, port: int) -> bool:
    """Whether this process can open a TCP connection (used by the tests and the self-check)."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


__all__ = ["SandboxError", "can_connect", "install_seccomp", "isolate", "unshare_network"]
