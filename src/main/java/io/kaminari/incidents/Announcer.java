package io.kaminari.incidents;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.Mitigations.Decision;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where {@code mitigation.mode=announce} (and {@code auto}) sends the routes of the proposals that passed the safety
 * checks: ExaBGP's named pipe ({@code mitigation.exabgp-pipe}) or GoBGP's API ({@code mitigation.gobgp-api}), exactly
 * one of them.
 *
 * <p>A route is the command that announces it, as this target takes it: the arguments of one {@code gobgp} run, or
 * one ExaBGP API command (a list of one). That is also how the streaming scorer records the routes it announced, so
 * that it can withdraw exactly them after a restart.
 */
public sealed interface Announcer {
  /** How long announcing waits for ExaBGP to open its pipe for reading, or for GoBGP to answer one command. */
  Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * The target {@code config} names, or null under {@code mitigation.mode=propose}.
   *
   * @throws IllegalArgumentException when the mode announces but not exactly one target is set, or the GoBGP address
   *     is malformed
   */
  static Announcer of(KaminariConfig config) {
    if (config.get(Settings.MITIGATION_MODE).equals(Settings.MITIGATION_PROPOSE)) return null;
    String pipe = config.get(Settings.MITIGATION_EXABGP_PIPE);
    String gobgp = config.get(Settings.MITIGATION_GOBGP_API);
    if (pipe.isBlank() == gobgp.isBlank()) {
      throw new IllegalArgumentException("mitigation.mode=" + config.get(Settings.MITIGATION_MODE) + " needs exactly"
          + " one of mitigation.exabgp-pipe (ExaBGP's API pipe) and mitigation.gobgp-api (GoBGP's API address)");
    }
    if (pipe.isBlank()) {
      GobgpApi.connection(gobgp);
      return new Gobgp(gobgp);
    }
    return new Exabgp(Path.of(pipe));
  }

  /** The target for a person: {@code GoBGP's API at HOST:PORT} or {@code ExaBGP's pipe PATH}. */
  String target();

  /** The routes of the allowed {@code decisions}, in their order. */
  List<List<String>> routes(List<Decision> decisions, Mitigations.Options options);

  /** Sends {@code routes}, in order. @throws IOException naming what was sent before a failure */
  void announce(List<List<String>> routes) throws IOException;

  /** Withdraws {@code routes} (as {@link #routes} gave them); withdrawing one the target does not hold is harmless. */
  void withdraw(List<List<String>> routes) throws IOException;

  /** {@code route} as a person would type it to announce it. */
  String text(List<String> route);

  /** What a person would type to withdraw {@code route}. */
  String withdrawalText(List<String> route);

  /** GoBGP's API, through GoBGP's own client ({@link GobgpApi}). */
  record Gobgp(String address) implements Announcer {
    @Override
    public String target() {
      return "GoBGP's API at " + address;
    }

    @Override
    public List<List<String>> routes(List<Decision> decisions, Mitigations.Options options) {
      return Mitigations.gobgpCommands(decisions, options);
    }

    @Override
    public void announce(List<List<String>> routes) throws IOException {
      GobgpApi.announce(address, routes, TIMEOUT);
    }

    @Override
    public void withdraw(List<List<String>> routes) throws IOException {
      GobgpApi.withdraw(address, routes, TIMEOUT);
    }

    @Override
    public String text(List<String> route) {
      return GobgpApi.commandLine(route);
    }

    @Override
    public String withdrawalText(List<String> route) {
      return GobgpApi.commandLine(GobgpApi.withdrawal(route));
    }
  }

  /** ExaBGP's API pipe ({@link ExabgpPipe}): each route one command, all of a call in one write. */
  record Exabgp(Path pipe) implements Announcer {
    @Override
    public String target() {
      return "ExaBGP's pipe " + pipe;
    }

    @Override
    public List<List<String>> routes(List<Decision> decisions, Mitigations.Options options) {
      return Mitigations.exabgpCommands(decisions, options).stream().map(List::of).toList();
    }

    @Override
    public void announce(List<List<String>> routes) throws IOException {
      ExabgpPipe.write(pipe, routes.stream().map(this::text).toList(), TIMEOUT);
    }

    @Override
    public void withdraw(List<List<String>> routes) throws IOException {
      ExabgpPipe.write(pipe, routes.stream().map(this::withdrawalText).toList(), TIMEOUT);
    }

    @Override
    public String withdrawalText(List<String> route) {
      return ExabgpPipe.withdrawal(text(route));
    }

    @Override
    public String text(List<String> route) {
      if (route.size() != 1) throw new IllegalArgumentException("not one ExaBGP command: " + route);
      return route.get(0);
    }
  }
}
