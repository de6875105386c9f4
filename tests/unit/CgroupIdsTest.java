package hck.container;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The container ID in /proc/PID/cgroup, as each runtime and cgroup driver writes it (lines as seen on real nodes). */
class CgroupIdsTest {
    static final String ID = "123ff56a56c5256fb4fc8b0e5b77d6684472adadbe16faee005f4a52722a509e";

    static CgroupIds.Found of(String file) {
        return CgroupIds.of(file);
    }

    @Test
    void eachRuntimeAndDriver() {
        assertEquals(new CgroupIds.Found(ID, "docker"), of("0::/system.slice/docker-" + ID + ".scope\n"));
        assertEquals(new CgroupIds.Found(ID, "docker"), of("12:memory:/docker/" + ID + "\n11:pids:/docker/" + ID + "\n"), "cgroup v1, cgroupfs");
        assertEquals(new CgroupIds.Found(ID, "containerd"),
                of("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0e9a.slice/cri-containerd-" + ID + ".scope\n"));
        assertEquals(new CgroupIds.Found(ID, "cri-o"), of("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod7.slice/crio-" + ID + ".scope\n"));
        assertEquals(new CgroupIds.Found(ID, "podman"), of("0::/machine.slice/libpod-" + ID + ".scope\n"));
        // podman with --cgroup-manager=cgroupfs on this machine (the memory line is the host's own v1 hierarchy)
        assertEquals(new CgroupIds.Found(ID, "podman"), of("9:name=systemd:/\n4:memory:/process_api/76f5644433e3863fbe8017651e0f5c90\n"
                + "0::/libpod_parent/libpod-" + ID + "\n"));
        assertEquals(new CgroupIds.Found(ID, "podman"), of("0::/libpod_parent/libpod-" + ID + "/container\n"), "a cgroup namespace's leaf");
        assertEquals(new CgroupIds.Found(ID, null), of("0::/kubepods/burstable/pod0e9a-11/" + ID + "\n"), "cgroupfs under kubepods: the runtime from its files");
    }

    @Test
    void notAContainer() {
        assertNull(of("0::/\n"));
        assertNull(of("0::/user.slice/user-1000.slice/session-3.scope\n"));
        assertNull(of("4:memory:/process_api/76f5644433e3863fbe8017651e0f5c90\n0::/\n"), "32 hex digits are not a container ID");
        assertNull(of("0::/machine.slice/libpod-conmon-" + ID + ".scope\n"), "podman's monitor is not in the container");
        assertNull(of("0::/system.slice/crio-conmon-" + ID + ".scope\n"));
        assertNull(of("0::/system.slice/" + ID + "\n"), "a bare ID outside any runtime's tree names nothing");
        assertNull(of("garbage\n\n1:x\n"));
    }
}
