package hck.model;

/** A process holding a socket through one of its file descriptors. */
public record Owner(long pid, int fd, String name) {}
