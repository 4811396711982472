package io.kaminari.model;

/**
 * What an alias pointed at when it was polled: the version, and the modification time of the file that said so (the
 * alias's newest history entry; the alias file for an alias still in the layout before the alias log). Two stamps are
 * equal when nothing changed; a refused promotion is a new entry and changes the stamp but not the version, so a scorer
 * polls {@link ModelRegistry#aliasStamp} (one listing and one tiny read) and reloads only when the version differs.
 */
public record AliasStamp(String name, String alias, int version, long modifiedMillis) {}
