package io.kaminari.cli;

import java.util.concurrent.Callable;

/**
 * A subcommand that joins {@code kaminari} from outside this package, found with {@link java.util.ServiceLoader} when
 * its classes are on the class path: the harness's ({@code generate}, {@code broker}, {@code demo}, {@code bench},
 * {@code evaluate} in {@code io.kaminari.tools.cli}), which the production artifacts leave out. So the CLI never
 * imports the harness, and a jar without it simply has fewer subcommands.
 *
 * <p>An implementation is a public picocli {@code @Command} class with a public no-argument constructor, listed in
 * {@code META-INF/services/io.kaminari.cli.Subcommand}; {@link Main} adds them, in that file's order, after its own.
 */
public interface Subcommand extends Callable<Integer> {}
