package hck.it;

import hck.container.Containers;
import hck.io.HostRoot;
import hck.model.Container;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The runtimes this machine does not run (containerd with Kubernetes' CRI, Docker on runc), read
 * from their files as they write them, under a host root of the test's own (--host-root): real
 * processes, each the init of a PID namespace of its own (unshare --pid), stand for the containers,
 * with no cgroup of their own, so only the runtime's state can name them.
 */
class RuntimeFilesTest {
    static final String CRI_ID = "5b1ef0c3e3b35b0a8f5a1a0a5a4c41d6b0d3f8c7a9e2b1c0d9e8f7a6b5c4d3e2";
    static final String DOCKER_ID = "9f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    @TempDir
    Path tmp;

    /** A sleep that is PID 1 of a new PID namespace; its PID as the host sees it. */
    long initOfItsOwnPidNamespace(List<Process> started) throws Exception {
        Process p = new ProcessBuilder("unshare", "--pid", "--fork", "sleep", "120").start();
        started.add(p);
        for (int i = 0; i < 100; i++) {
            Netns.Result r = Netns.exec(List.of("pgrep", "-P", Long.toString(p.pid())), 10);
            if (r.rc() == 0) return Long.parseLong(r.stdout().strip().split("\n")[0]);
            Thread.sleep(50);
        }
        throw new AssertionError("no child of unshare " + p.pid());
    }

    @Test
    void containerdsCriAndDockersRuncFilesName() throws Exception {
        Env.requireRoot();
        Env.requireCommand("unshare");
        Env.requireCommand("pgrep");
        List<Process> started = new ArrayList<>();
        try {
            long criPid = initOfItsOwnPidNamespace(started), dockerPid = initOfItsOwnPidNamespace(started);
            // containerd's v2 shim directory: init.pid, and the bundle itself with CRI's annotations
            Path task = Files.createDirectories(tmp.resolve("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + CRI_ID));
            Files.writeString(task.resolve("init.pid"), criPid + "\n");
            Files.writeString(task.resolve("config.json"), "{\"ociVersion\":\"1.1.0\",\"annotations\":{"
                    + "\"io.kubernetes.cri.container-type\":\"container\",\"io.kubernetes.cri.container-name\":\"api\","
                    + "\"io.kubernetes.cri.sandbox-name\":\"checkout-6d9f\",\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
                    + "\"io.kubernetes.cri.sandbox-id\":\"0123\"}}");
            // runc's state under Docker's root, its bundle named by a label; Docker's own config.v2.json names it
            Path state = Files.createDirectories(tmp.resolve("run/docker/runtime-runc/moby/" + DOCKER_ID));
            String bundle = "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/" + DOCKER_ID;
            Files.writeString(state.resolve("state.json"), "{\"id\":\"" + DOCKER_ID + "\",\"init_process_pid\":" + dockerPid
                    + ",\"config\":{\"labels\":[\"bundle=" + bundle + "\"]}}");
            Files.createDirectories(tmp.resolve(bundle.substring(1)));
            Files.writeString(tmp.resolve(bundle.substring(1)).resolve("config.json"), "{\"ociVersion\":\"1.1.0\",\"annotations\":{}}");
            Files.createDirectories(tmp.resolve("var/lib/docker/containers/" + DOCKER_ID));
            Files.writeString(tmp.resolve("var/lib/docker/containers/" + DOCKER_ID + "/config.v2.json"), "{\"ID\":\"" + DOCKER_ID + "\",\"Name\":\"/web\"}");
            // a file hck cannot read is no failure: this one is a directory where a file should be
            Files.createDirectories(tmp.resolve("run/crun/broken/status"));

            List<String> why = new ArrayList<>();
            HostRoot.set(tmp);
            try {
                Containers c = new Containers(why::add);
                assertEquals(new Container(CRI_ID, "api", "containerd", new Container.Pod("shop", "checkout-6d9f")), c.ofProcess(criPid));
                assertEquals(new Container(DOCKER_ID, "web", "docker", null), c.ofProcess(dockerPid));
                assertNull(c.ofProcess(ProcessHandle.current().pid()), "the test itself runs in no container");
                assertEquals("pod:shop/checkout-6d9f", c.ofProcess(criPid).netnsLabel());
                assertEquals("container:web", c.ofProcess(dockerPid).netnsLabel());
            } finally {
                HostRoot.set(Path.of("/"));
            }
            assertTrue(why.stream().anyMatch(w -> w.contains("run/crun/broken/status")), "-v says which file could not be read: " + why);
        } finally {
            for (Process p : started) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }
}
