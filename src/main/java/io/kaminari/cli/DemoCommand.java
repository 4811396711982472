package io.kaminari.cli;
import picocli.CommandLine.Command;
@Command(name = "demo")
final class DemoCommand implements java.util.concurrent.Callable<Integer> { public Integer call() { throw new UnsupportedOperationException("not yet"); } }
