package io.kaminari.incidents;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Adds routes to a GoBGP daemon through its gRPC API, with GoBGP's own client: {@code gobgp -u HOST -p PORT ARGS}. How
 * {@code mitigation.mode=announce} announces when {@code mitigation.gobgp-api} is set.
 *
 * <p>Why the client rather than a generated gRPC stub: the {@code gobgp:} lines {@code kaminari mitigate} prints for
 * a person to review are then exactly what runs, argument for argument ({@link #commandLine}), and GoBGP validates
 * them as it validates an operator's. The client ships with the daemon (Debian's {@code gobgpd} package) and must be
 * on the {@code PATH} of whoever announces.
 *
 * <p>Routes are added one at a time, in order. Before the first, the daemon must answer ({@code gobgp global}), so an
 * unreachable API announces nothing; a route GoBGP refuses stops the announcement, and the error says which routes
 * were added before it (they stay: withdrawing them is the operator's decision, as announcing was). {@link #withdraw}
 * deletes routes the same way (the streaming scorer's {@code mitigation.mode=auto}, when an incident resolves).
 */
public final class GobgpApi {
  private GobgpApi() {}

  /** GoBGP's command-line client. */
  public static final String CLIENT = "gobgp";

  /** Arguments a shell passes unchanged without quotes. */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:/,+@-]+");
  /** {@code host:port}, the host an address or name, an IPv6 address in brackets. */
  private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+):([0-9]{1,5})");

  /** {@code args} as one {@code gobgp} command line for a shell, each argument a shell would change single-quoted. */
  public static String commandLine(List<String> args) {
    return CLIENT + " " + args.stream().map(a -> PLAIN.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'")
        .collect(Collectors.joining(" "));
  }

  /**
   * The client's connection arguments for {@code address} ({@code host:port} of the daemon's {@code --api-hosts}), or a
   * clear error naming {@code mitigation.gobgp-api}.
   */
  public static List<String> connection(String address) {
    var m = ADDRESS.matcher(address);
    if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
      throw new IllegalArgumentException("mitigation.gobgp-api must be host:port of GoBGP's gRPC API (gobgpd"
          + " --api-hosts, default port 50051), got '" + address + "'");
    }
    String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
    return List.of("-u", host, "-p", m.group(2));
  }

  /**
   * Adds {@code routes} (each the arguments of one {@code gobgp} command, as {@link Mitigations#gobgpCommands} gives
   * them) through the API at {@code address}, each command within {@code timeout}.
   *
   * @throws IOException when the daemon does not answer (nothing added), or when a route is refused or times out (the
   *     message names the routes added before it and carries GoBGP's own error)
   */
  public static void announce(String address, List<List<String>> routes, Duration timeout) throws IOException {
    send(address, routes, timeout, "announced");
  }

  /**
   * Deletes {@code routes} (each as {@link #announce} took it: its {@code add} is run as {@code del}) through the API
   * at {@code address}. GoBGP deletes a route it does not hold without complaint, so withdrawing twice is harmless.
   *
   * @throws IOException as {@link #announce} does, naming the routes withdrawn before the one that failed
   */
  public static void withdraw(String address, List<List<String>> routes, Duration timeout) throws IOException {
    send(address, routes.stream().map(GobgpApi::withdrawal).toList(), timeout, "withdrawn");
  }

  /** The {@code gobgp} arguments deleting the route {@code add} adds: its first {@code add} argument is {@code del}. */
  static List<String> withdrawal(List<String> add) {
    int verb = add.indexOf("add");
    if (verb < 0) throw new IllegalArgumentException("not a gobgp command adding a route: " + commandLine(add));
    List<String> del = new ArrayList<>(add);
    del.set(verb, "del");
    return List.copyOf(del);
  }

  private static void send(String address, List<List<String>> routes, Duration timeout, String done)
      throws IOException {
    List<String> connection = connection(address);
    Result probe = run(connection, List.of("global"), timeout);
    if (probe.code() != 0) {
      throw new IOException("GoBGP's API at " + address + " (mitigation.gobgp-api) does not answer: " + probe.output()
          + ": nothing " + done);
    }
    for (int i = 0; i < routes.size(); i++) {
      Result r = run(connection, routes.get(i), timeout);
      if (r.code() != 0) {
        throw new IOException("GoBGP at " + address + " refused route " + (i + 1) + " of " + routes.size() + " ("
            + commandLine(routes.get(i)) + "): " + r.output() + "; " + (i == 0 ? "nothing " + done
            : done + " before it: " + routes.subList(0, i).stream().map(GobgpApi::commandLine).toList()));
      }
    }
  }

  /** A finished client run: its exit code (-1 when it timed out) and its output, stdout and stderr merged. */
  private record Result(int code, String output) {}

  private static Result run(List<String> connection, List<String> args, Duration timeout) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(CLIENT);
    command.addAll(connection);
    command.addAll(args);
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("cannot run GoBGP's client '" + CLIENT + "' (install GoBGP, e.g. Debian's gobgpd"
          + " package, and put gobgp on the PATH): " + e.getMessage() + ": nothing announced", e);
    }
    try {
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "no answer within " + timeout.toSeconds() + " s");
      }
      // The usage text GoBGP appends to a refusal is long; its first line says what was wrong.
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return new Result(p.exitValue(), out.lines().findFirst().orElse("exit code " + p.exitValue()));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + command, e);
    }
  }
}
