package hck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every manifest under kubernetes/ read strictly into the Kubernetes API model (Fabric8's
 * kubernetes-model): its kind's class, and not one field the model does not know (the model keeps
 * unknown ones aside; here any is an error, with its path). The kustomization names every file, the
 * ConfigMap carries the shipped rules.yaml as it is.
 */
class ManifestsTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Map<String, Class<?>> KINDS = Map.of("Namespace", Namespace.class, "ServiceAccount", ServiceAccount.class,
            "ConfigMap", ConfigMap.class, "DaemonSet", DaemonSet.class, "PodMonitor", PodMonitor.class);

    /** The paths of fields the model did not know, anywhere in {@code o}. */
    static List<String> unknownFields(Object o) throws Exception {
        List<String> out = new ArrayList<>();
        walk(o, "", out, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void walk(Object o, String path, List<String> out, Set<Object> seen) throws Exception {
        if (o == null || !seen.add(o)) return;
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) walk(e, path + "[" + i++ + "]", out, seen);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) walk(e.getValue(), path + "." + e.getKey(), out, seen);
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getDeclaringClass() == Object.class) continue;
            Object v = g.invoke(o);
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) extra.keySet().forEach(k -> out.add(path + "." + k));
            } else {
                walk(v, path + "." + Character.toLowerCase(g.getName().charAt(3)) + g.getName().substring(4), out, seen);
            }
        }
    }

    static List<Path> manifests() throws Exception {
        try (Stream<Path> s = Files.walk(Path.of("kubernetes"))) {
            return s.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml")
                    && !p.startsWith(Path.of("kubernetes/overlays"))).sorted().toList();
        }
    }

    @Test
    void everyManifestIsStrictlyTheApiModel() throws Exception {
        List<Path> files = manifests();
        assertEquals(5, files.size(), files.toString());
        for (Path f : files) {
            JsonNode tree = YAML.readTree(f.toFile());
            Class<?> type = KINDS.get(tree.path("kind").asText());
            assertNotNull(type, f + ": a kind the test does not know: " + tree.path("kind"));
            Object model = YAML.treeToValue(tree, type);
            assertEquals(List.of(), unknownFields(model), f + ": fields the Kubernetes API does not have");
            assertEquals("hck", YAML.readTree(f.toFile()).at("/metadata/namespace").asText(tree.at("/metadata/name").asText()), f + " lives in namespace hck");
        }
        DaemonSet ds = YAML.readValue(Path.of("kubernetes/daemonset.yaml").toFile(), DaemonSet.class);
        var pod = ds.getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostPID() && pod.getHostNetwork());
        assertFalse(pod.getContainers().get(0).getSecurityContext().getPrivileged(), "exact capabilities, not privileged");
        assertEquals(List.of("Exists"), pod.getTolerations().stream().map(t -> t.getOperator()).toList(), "runs on every node");
        assertEquals("/healthz", pod.getContainers().get(0).getLivenessProbe().getHttpGet().getPath());
        assertFalse(pod.getAutomountServiceAccountToken(), "hck calls no API: no token");
    }

    /** The strict reading is a real check: one field the API does not have is found, with its path. */
    @Test
    void anUnknownFieldIsRefused() throws Exception {
        JsonNode tree = YAML.readTree(Path.of("kubernetes/daemonset.yaml").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.at("/spec/template/spec")).put("hostPIDs", true);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.at("/spec/template/spec/containers/0")).put("imagePolicy", "Always");
        assertEquals(List.of(".spec.template.spec.containers[0].imagePolicy", ".spec.template.spec.hostPIDs"),
                unknownFields(YAML.treeToValue(tree, DaemonSet.class)).stream().sorted().toList());
    }

    @Test
    void theKustomizationNamesEveryFileAndTheConfigMapCarriesTheShippedRules() throws Exception {
        JsonNode k = YAML.readTree(Path.of("kubernetes/kustomization.yaml").toFile());
        Set<String> listed = new TreeSet<>();
        k.get("resources").forEach(r -> listed.add(r.asText()));
        Set<String> present = new TreeSet<>();
        for (Path f : manifests()) present.add(Path.of("kubernetes").relativize(f).toString());
        assertEquals(present, listed);
        JsonNode live = YAML.readTree(Path.of("kubernetes/overlays/live/kustomization.yaml").toFile());
        assertEquals("../..", live.get("resources").get(0).asText());
        assertTrue(Files.exists(Path.of("kubernetes/overlays/live").resolve(live.at("/patches/0/path").asText())));
        ConfigMap cm = YAML.readValue(Path.of("kubernetes/configmap.yaml").toFile(), ConfigMap.class);
        assertEquals(Files.readString(Path.of("rules.yaml")), cm.getData().get("rules.yaml"), "the ConfigMap's rules are rules.yaml");
    }
}
