package io.kaminari.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What lets several autoencoders train at once in one JVM (the traffic groups of a {@code dst-prefix} version in the
 * Spark tasks of one executor, {@code GroupTraining}) with the same result as one at a time: the initial weights are
 * drawn in Java from the model's own seed, and gradients are recorded on the training thread alone. DJL's defaults
 * for both are process-wide ({@link Trainer}'s "Determinism").
 */
final class SharedJvmTraining {
  private SharedJvmTraining() {}

  /**
   * Sets the initial weights from {@code random}: each weight matrix (DJL's {@code [out, in]}) from a normal
   * distribution with standard deviation {@code sqrt(2 / in)}, each bias 0, which is the initialisation DJL gives a
   * {@code Linear} block by default. Drawn here rather than by libtorch because libtorch's generator is one per
   * process: two trainings in one JVM (Spark tasks of one executor, {@code TrainJob}'s groups) would draw each other's
   * weights, so a run would depend on the timing of the others.
   */
  static void initialise(List<Parameter> parameters, SplittableRandom random) {
    for (Parameter p : parameters) {
      NDArray array = p.getArray();
      float[] values = new float[Math.toIntExact(array.size())];
      if (p.getType() == Parameter.Type.WEIGHT) {
        double std = Math.sqrt(2.0 / array.getShape().get(1));
        for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextGaussian() * std);
      } else if (p.getType() != Parameter.Type.BIAS) {
        throw new IllegalStateException("no initialisation for parameter " + p.getName() + " of type " + p.getType());
      }
      array.set(FloatBuffer.wrap(values));
    }
  }

  /**
   * Records one batch's gradients on the calling thread only. DJL's own collector ({@code PtGradientCollector}) refuses
   * to open while another is open anywhere in the JVM, so two groups could not train at once in one executor; what it
   * does is libtorch's thread-local grad mode around a backward pass from a tensor of ones, which is what this does,
   * without the JVM-wide flag. libtorch's autograd runs a CPU backward pass on the calling thread, and is thread-safe.
   */
  static final class Gradients implements AutoCloseable {
    private final boolean before = JniUtils.isGradMode();

    Gradients() {
      JniUtils.setGradMode(true);
    }

    void backward(NDArray loss) {
      try (NDArray ones = loss.onesLike()) {
        JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
      }
    }

    @Override
    public void close() {
      JniUtils.setGradMode(before);
    }
  }
}
