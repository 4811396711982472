package io.kaminari.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gives the DJL PyTorch engine configured for this package: offline, one intra-op and one inter-op libtorch thread
 * unless the caller set {@code ai.djl.pytorch.num_threads} / {@code ai.djl.pytorch.num_interop_threads} first.
 *
 * <p>Why one thread: the autoencoder's matrices are tiny (256 × 64 × 20), so libtorch's thread hand-offs cost more
 * than they save (a calibration run was slower with two threads than with one); Spark already runs one task per core,
 * so more threads per task would oversubscribe the executor; and a fixed thread count keeps floating-point reductions
 * in a fixed order, which the same-seed-same-weights guarantee relies on. The properties only take effect if set
 * before the engine first loads, which is why every entry point of this package goes through {@link #engine()}.
 */
final class DjlRuntime {
  static final String ENGINE_NAME = "PyTorch";
  private static final String OFFLINE = "ai.djl.offline";
  private static final String THREADS = "ai.djl.pytorch.num_threads";
  private static final String INTEROP_THREADS = "ai.djl.pytorch.num_interop_threads";

  private DjlRuntime() {}

  /** The PyTorch engine, loading it on first use (3–6 s the first time the libtorch cache is extracted). */
  static synchronized Engine engine() {
    // libtorch comes from the pytorch-native-cpu jar on the classpath; offline keeps DJL from ever trying the network.
    System.setProperty(OFFLINE, System.getProperty(OFFLINE, "true"));
    System.setProperty(THREADS, System.getProperty(THREADS, "1"));
    System.setProperty(INTEROP_THREADS, System.getProperty(INTEROP_THREADS, "1"));
    return Engine.getEngine(ENGINE_NAME);
  }

  /** A one-line description for results and model metadata, e.g. {@code DJL 0.36.0, PyTorch 2.7.1 CPU, 1 thread}. */
  static String describe() {
    Engine engine = engine();
    return "DJL " + Engine.getDjlVersion() + ", " + engine.getEngineName() + " " + engine.getVersion() + " CPU, "
        + JniUtils.getNumThreads() + " intra-op thread(s)";
  }
}
