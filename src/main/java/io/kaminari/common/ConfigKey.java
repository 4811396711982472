package io.kaminari.common;

import java.util.function.Function;

/**
 * One configuration key: its name, default (text, may reference {@code ${other.key}}), one-line doc and parser.
 *
 * <p>Keys are declared once, in {@link Settings}; nothing else spells a key's name.
 *
 * @param <T> the parsed value type
 */
public record ConfigKey<T>(String name, String defaultValue, String doc, Function<String, T> parser) {

  /** Parses {@code raw} or fails with a message naming this key and the bad value. */
  public T parse(String raw) {
    try {
      return parser.apply(raw);
    } catch (RuntimeException e) {
      throw new ConfigException("invalid value '" + raw + "' for " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * The default, parsed: what a configuration that does not set the key holds, for code that must agree with it
   * without a configuration at hand (a benchmark's input, a test's expectations). Only for defaults without a
   * {@code ${other.key}} reference, which only a configuration resolves.
   */
  public T parsedDefault() {
    if (defaultValue.contains("${")) {
      throw new IllegalStateException(name + "'s default '" + defaultValue + "' refers to other keys: resolve it"
          + " through a configuration");
    }
    return parse(defaultValue);
  }
}
