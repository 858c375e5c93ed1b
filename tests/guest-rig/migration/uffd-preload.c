// uffd-preload: LD_PRELOAD library that turns a stock QEMU into a GuestAssist migration endpoint.
// When QEMU maps its guest-RAM file (memory-backend-file on /dev/shm, share=on), this library registers
// that mapping with a userfaultfd and hands the uffd to a GuestAssist process over a Unix socket with
// Firecracker's handshake: one JSON array of GuestRegionUffdMapping plus the uffd as SCM_RIGHTS.
//
//   GUESTASSIST_UFFD_RAM=/dev/shm/FILE   the RAM file to watch for (the first MAP_SHARED mapping of it)
//   GUESTASSIST_UFFD_SOCKET=/path.sock   where the handler (destination) or tracker (source) listens
//   GUESTASSIST_UFFD_MODE=missing        destination: MISSING faults, served by `guestassist uffd-handler`
//                        wp-async        source: WP_ASYNC write tracking for the host's dirty log
//
// Any failure is fatal and said in one line on stderr: a QEMU that silently runs without its uffd would
// read zeros (destination) or skip pages it should not (source).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

// Debian 12's uapi headers predate these (kernel 6.4+).
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1ULL << 12)
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1ULL << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1ULL << 15)
#endif

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

static int registered;

static void fatal(const char *what) {
    fprintf(stderr, "uffd-preload: %s: %s\n", what, strerror(errno));
    _exit(70);
}

static int is_ram_file(int fd, const char *ram) {
    struct stat of_fd, of_ram;
    if (fd < 0 || fstat(fd, &of_fd) != 0 || stat(ram, &of_ram) != 0) return 0;
    return of_fd.st_dev == of_ram.st_dev && of_fd.st_ino == of_ram.st_ino;
}

static void hand_over(int uffd, void *base, size_t size, const char *socket_path) {
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) fatal("socket");
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof address.sun_path) { errno = ENAMETOOLONG; fatal("socket path"); }
    strcpy(address.sun_path, socket_path);
    for (int attempt = 0; connect(sock, (struct sockaddr *)&address, sizeof address) != 0; attempt++) {
        if (attempt >= 500 || (errno != ENOENT && errno != ECONNREFUSED)) fatal("connecting to the GuestAssist socket");
        usleep(10000);
    }
    char json[256];
    int length = snprintf(json, sizeof json,
        "[{\"base_host_virt_addr\":%lu,\"size\":%zu,\"offset\":0,\"page_size\":4096,\"page_size_kib\":4096}]",
        (unsigned long)(uintptr_t)base, size);
    struct iovec data = {.iov_base = json, .iov_len = (size_t)length};
    char control[CMSG_SPACE(sizeof(int))] = {0};
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *rights = CMSG_FIRSTHDR(&message);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(rights), &uffd, sizeof(int));
    if (sendmsg(sock, &message, MSG_NOSIGNAL) != length) fatal("sending the handshake");
    // Like Firecracker, keep the socket open: the handler watches this process through it (SO_PEERCRED).
}

static void register_ram(void *base, size_t size) {
    const char *mode = getenv("GUESTASSIST_UFFD_MODE");
    const char *socket_path = getenv("GUESTASSIST_UFFD_SOCKET");
    if (!mode || !socket_path) { errno = EINVAL; fatal("GUESTASSIST_UFFD_MODE and GUESTASSIST_UFFD_SOCKET are required"); }
    int tracking = strcmp(mode, "wp-async") == 0;
    if (!tracking && strcmp(mode, "missing") != 0) { errno = EINVAL; fatal("GUESTASSIST_UFFD_MODE must be missing or wp-async"); }
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) fatal("userfaultfd");
    struct uffdio_api api = {.api = UFFD_API};
    api.features = tracking ? (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_WP_HUGETLBFS_SHMEM)
                            : UFFD_FEATURE_EVENT_REMOVE;
    if (ioctl(uffd, UFFDIO_API, &api) != 0) fatal("UFFDIO_API");
    // The source's tracker registers and write-protects through the uffd itself (it owns the log's epoch);
    // the destination's handler expects Firecracker's state: registered MISSING before the handshake.
    if (!tracking) {
        struct uffdio_register reg = {.range = {.start = (uintptr_t)base, .len = size}, .mode = UFFDIO_REGISTER_MODE_MISSING};
        if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) fatal("UFFDIO_REGISTER");
    }
    hand_over(uffd, base, size, socket_path);
    fprintf(stderr, "uffd-preload: %s uffd on %zu MiB of guest RAM at %p handed to %s\n", mode, size >> 20, base, socket_path);
}

static void *watch(void *result, size_t length, int flags, int fd) {
    const char *ram = getenv("GUESTASSIST_UFFD_RAM");
    if (result == MAP_FAILED || registered || !ram || !(flags & MAP_SHARED) || !is_ram_file(fd, ram)) return result;
    registered = 1;
    register_ram(result, length);
    return result;
}

void *mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset) {
    static mmap_fn real;
    if (!real) real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
    return watch(real(address, length, protection, flags, fd, offset), length, flags, fd);
}

void *mmap64(void *address, size_t length, int protection, int flags, int fd, off_t offset) {
    static mmap_fn real;
    if (!real) real = (mmap_fn)dlsym(RTLD_NEXT, "mmap64");
    return watch(real(address, length, protection, flags, fd, offset), length, flags, fd);
}
