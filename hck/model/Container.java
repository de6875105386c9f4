package hck.model;

/**
 * The container a process (or a network namespace) belongs to, as the runtimes on the node wrote
 * it: its full ID, its name (for a pod's container, its Kubernetes name), the runtime (podman,
 * docker, containerd, cri-o, crun, runc) and, for a Kubernetes pod's container, the pod.
 */
public record Container(String id, String name, String runtime, Pod pod) {
    /** A Kubernetes pod: its namespace and name. */
    public record Pod(String namespace, String name) {
        /** {@code NS/POD} */
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    /** The label of a network namespace that belongs to it: {@code pod:NS/POD}, or {@code container:NAME} (the short ID without a name). */
    public String netnsLabel() {
        return pod != null ? "pod:" + pod : "container:" + display();
    }

    /** Its name, else the first 12 characters of its ID, as docker and podman show it. */
    public String display() {
        return name != null ? name : id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** {@code pod shop/web-7f, container leakweb} or {@code container leak1}: for log lines and the check. */
    public String describe() {
        return (pod != null ? "pod " + pod + ", " : "") + "container " + display();
    }

    /** As {@link #describe}, without the pod when {@code netns} (a socket's namespace label) already names it. */
    public String describeIn(String netns) {
        return pod != null && !netnsLabel().equals(netns) ? describe() : "container " + display();
    }
}
