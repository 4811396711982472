package io.kaminari.model;

/**
 * A registry operation that was refused or failed: the message names the model, the version where there is one, and the
 * exact problem, so that it can be shown to an operator as is.
 */
public final class ModelException extends RuntimeException {
  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
