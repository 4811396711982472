package io.kaminari.cli;
import picocli.CommandLine.Command;
@Command(name = "bench")
final class BenchCommand implements java.util.concurrent.Callable<Integer> { public Integer call() { throw new UnsupportedOperationException("not yet"); } }
