package io.kaminari.common;

/** A configuration that cannot be used: unknown key, unreadable file or invalid value. The message says which. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
