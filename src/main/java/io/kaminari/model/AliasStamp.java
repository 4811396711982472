package io.kaminari.model;

/**
 * What an alias pointed at when it was polled: the version and the alias file's modification time. Two stamps are
 * equal exactly when nothing observable changed, so a scorer polls {@link ModelRegistry#aliasStamp} (one status call and
 * one tiny read) and reloads only when the stamp differs.
 */
public record AliasStamp(String name, String alias, int version, long modifiedMillis) {}
