#!/usr/bin/env python3
"""Rewrites a jar so that the same classes always give the same bytes: entries in a fixed order
(the manifest first, as jar readers expect), one fixed timestamp, fixed attributes, the same
compression. `jbang export fatjar` stamps every entry with the build time, so each build of the
same sources had another checksum and every controller redeployed. --drop NAME leaves an entry out
(jdeps needs the fat jar's stray module-info.class out of the way)."""
import sys
import zipfile

FIXED = (1980, 1, 1, 0, 0, 0)


def order(name):
    if name == "META-INF/":
        return (0, name)
    if name == "META-INF/MANIFEST.MF":
        return (1, name)
    return (2, name)


def main(argv):
    drop = set()
    while argv and argv[0] == "--drop":
        drop.add(argv[1])
        argv = argv[2:]
    src, dst = argv
    with zipfile.ZipFile(src) as zin:
        names = sorted({i.filename for i in zin.infolist()} - drop, key=order)
        with zipfile.ZipFile(dst, "w") as zout:
            for name in names:
                info = zipfile.ZipInfo(name, FIXED)
                info.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o100644 << 16
                info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
                info.create_system = 3
                zout.writestr(info, b"" if name.endswith("/") else zin.read(name), compresslevel=6)


if __name__ == "__main__":
    main(sys.argv[1:])
