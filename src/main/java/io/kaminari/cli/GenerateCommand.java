package io.kaminari.cli;
import picocli.CommandLine.Command;
@Command(name = "generate")
final class GenerateCommand implements java.util.concurrent.Callable<Integer> { public Integer call() { throw new UnsupportedOperationException("not yet"); } }
