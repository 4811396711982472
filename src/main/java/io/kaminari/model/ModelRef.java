package io.kaminari.model;

import java.util.regex.Pattern;

/**
 * A reference to one model version: {@code name} (the {@code latest} alias), {@code name@alias} or {@code name/3}.
 *
 * <p>Exactly one of {@code alias} and {@code version} is set; a bare name is parsed as {@code name@latest}, because the
 * newest published version is what a human asking for "flow-ae" means.
 */
public record ModelRef(String name, String alias, Integer version) {
  /** Model and alias names: lower-case, digits and '-', starting with a letter or digit, at most 64 characters. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  /** The alias that {@link ModelRegistry#publish} moves to every new version. */
  public static final String LATEST = "latest";
  /** The alias scorers load by convention. */
  public static final String CHAMPION = "champion";

  /** Validates the parts; exactly one of alias and version must be given. */
  public ModelRef {
    checkName("model", name);
    if ((alias == null) == (version == null)) {
      throw new IllegalArgumentException("a model reference needs exactly one of alias and version, got alias=" + alias
          + " version=" + version);
    }
    if (alias != null) checkName("alias", alias);
    if (version != null && version < 1) {
      throw new IllegalArgumentException("model versions start at 1, got " + version + " in " + name + "/" + version);
    }
  }

  /** {@code name@alias}. */
  public static ModelRef alias(String name, String alias) {
    return new ModelRef(name, alias, null);
  }

  /** {@code name/version}. */
  public static ModelRef version(String name, int version) {
    return new ModelRef(name, null, version);
  }

  /** Parses {@code name}, {@code name@alias} or {@code name/N}; anything else throws naming the expected forms. */
  public static ModelRef parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty model reference; expected name, name@alias or name/version");
    }
    String t = text.trim();
    int at = t.indexOf('@');
    int slash = t.indexOf('/');
    try {
      if (at >= 0 && slash >= 0) {
        throw new IllegalArgumentException("give an alias or a version, not both");
      }
      if (at >= 0) return alias(t.substring(0, at), t.substring(at + 1));
      if (slash >= 0) {
        String v = t.substring(slash + 1);
        if (!v.matches("[1-9][0-9]{0,8}")) {
          throw new IllegalArgumentException("version '" + v + "' is not a number >= 1");
        }
        return version(t.substring(0, slash), Integer.parseInt(v));
      }
      return alias(t, LATEST);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid model reference '" + text + "': " + e.getMessage()
          + " (expected name, name@alias or name/version)", e);
    }
  }

  /** Throws unless {@code value} is a valid model or alias name; {@code what} names it in the message. */
  public static String checkName(String what, String value) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " name '" + value + "' must match " + NAME.pattern()
          + " (lower-case letters, digits and '-', at most 64 characters)");
    }
    return value;
  }

  /** The reference in its parseable form. */
  @Override
  public String toString() {
    return version != null ? name + "/" + version : name + "@" + alias;
  }
}
