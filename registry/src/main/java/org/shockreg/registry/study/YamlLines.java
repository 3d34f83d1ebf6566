package org.shockreg.registry.study;

import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The line (1-based) of every key path in a YAML document ({@code screening.criteria[2].from}), so
 * that a study file's problems point at the line to fix. Jackson's tree keeps no locations.
 */
final class YamlLines {

  private YamlLines() {}

  static Map<String, Integer> of(String yaml) {
    Map<String, Integer> lines = new HashMap<>();
    try {
      Node root = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
      if (root != null) {
        walk(root, "", lines);
      }
    } catch (RuntimeException e) {
      // Binding already succeeded; without lines the messages still name file and key.
    }
    return lines;
  }

  private static void walk(Node node, String path, Map<String, Integer> lines) {
    if (!path.isEmpty()) {
      lines.putIfAbsent(path, node.getStartMark().getLine() + 1);
    }
    if (node instanceof MappingNode map) {
      for (NodeTuple t : map.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode key) {
          String child = path.isEmpty() ? key.getValue() : path + "." + key.getValue();
          lines.put(child, key.getStartMark().getLine() + 1);
          walk(t.getValueNode(), child, lines);
        }
      }
    } else if (node instanceof SequenceNode seq) {
      for (int i = 0; i < seq.getValue().size(); i++) {
        walk(seq.getValue().get(i), path + "[" + i + "]", lines);
      }
    }
  }
}
