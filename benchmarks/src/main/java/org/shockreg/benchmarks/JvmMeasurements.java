package org.shockreg.benchmarks;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The JVM and machine figures a result row reports: heap and RSS peaks, GC time, the machine. */
public final class JvmMeasurements {

  private JvmMeasurements() {}

  static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    try {
      // Linux: "5" resets the peak RSS (VmHWM) to the current RSS.
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException ignored) {
      // not Linux, or not allowed: VmHWM then covers the whole run
    }
  }

  /** Sum of the heap pools' peak usage since the last reset (an upper bound of the true peak). */
  static long heapPoolPeaks() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  static long procStatusKb(String field) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith(field + ":")) {
          return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return -1;
  }

  /** The CPU's model name, from /proc/cpuinfo ("unknown CPU" elsewhere). */
  public static String cpuModel() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          return l.substring(l.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return "unknown CPU";
  }

  static String machine() {
    String cpu = cpuModel();
    long memKb = -1;
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          memKb = Long.parseLong(l.substring(9).replace("kB", "").trim());
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    String gc =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(b -> b.getName().replace(" Young Generation", "").replace(" Young", ""))
            .findFirst()
            .orElse("?");
    return String.format(
        Locale.ROOT,
        "%d cores, %s, %s %s%s, Java %s, -Xmx%d MB, GC %s",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        memKb > 0 ? String.format(Locale.ROOT, ", %.0f GB RAM", memKb / 1048576.0) : "",
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() / (1024 * 1024),
        gc);
  }
}
