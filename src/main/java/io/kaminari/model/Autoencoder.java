package io.kaminari.model;

import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.util.List;

/** Builds the seed's reference autoencoder as a DJL block: sigmoid encoder layers, mirrored decoder, linear output. */
public final class Autoencoder {
  /** The name of the params files: {@code autoencoder-0000.params}. */
  public static final String NAME = "autoencoder";

  private Autoencoder() {}

  /**
   * The block for {@code inputDim} inputs and these encoder widths: for [h1, h2] that is encoder
   * {@code Linear(in,h1) → Sigmoid → Linear(h1,h2) → Sigmoid}, decoder {@code Linear(h2,h1) → Sigmoid → Linear(h1,in)}.
   *
   * <p>The output layer stays linear because the inputs are standardised (unbounded, mean 0), which a sigmoid could not
   * reproduce. A training run and every later load must build the block with the same arguments, since DJL params
   * files hold weights, not the architecture.
   */
  public static SequentialBlock build(int inputDim, List<Integer> hiddenSizes) {
    if (inputDim < 1) {
      throw new IllegalArgumentException("input dimension must be >= 1, got " + inputDim);
    }
    if (hiddenSizes.isEmpty()) {
      throw new IllegalArgumentException("hidden sizes must list at least one layer width");
    }
    SequentialBlock block = new SequentialBlock();
    for (int width : hiddenSizes) {
      block.add(Linear.builder().setUnits(width).build()).add(Activation.sigmoidBlock());
    }
    for (int i = hiddenSizes.size() - 2; i >= 0; i--) {
      block.add(Linear.builder().setUnits(hiddenSizes.get(i)).build()).add(Activation.sigmoidBlock());
    }
    return block.add(Linear.builder().setUnits(inputDim).build());
  }
}
