package io.kaminari.stream;

import io.kaminari.incidents.Announcer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes the streaming scorer has announced for its incidents under {@code mitigation.mode=auto}, per incident, and
 * the announcements and withdrawals that bring an incident's routes to what its latest checked proposals allow.
 *
 * <p>New routes are announced before old ones are withdrawn, so a rule that changes with the attack (a wider packet
 * length) never leaves a gap. A route another open incident also holds is not withdrawn with this one. Each route is
 * sent on its own, so that a failure leaves an exact account: a route that could not be announced is not held (the
 * next state of the incident tries again), and one that could not be withdrawn stays held, and, once its incident
 * has ended, is tried again at every later state the relay handles ({@link #retryEnded}) and after a restart. Not
 * thread-safe: the relay's one thread owns it.
 */
final class RouteLedger {
  private static final Logger LOG = LoggerFactory.getLogger(RouteLedger.class);

  /**
   * What reconciling one incident did.
   *
   * @param held the incident's routes announced now
   * @param announced the routes announced by this reconciliation
   * @param withdrawn the routes withdrawn by it
   * @param errors one message per route that could not be announced or withdrawn
   */
  record Outcome(List<List<String>> held, List<List<String>> announced, List<List<String>> withdrawn,
      List<String> errors) {}

  /**
   * The changes that make incident {@code id} hold {@code wanted}.
   *
   * @param announce wanted routes the incident does not hold yet
   * @param withdraw routes it holds that are not wanted and that no other incident holds
   * @param release routes it holds that are not wanted but another incident holds: dropped from its account only
   */
  record Plan(List<List<String>> announce, List<List<String>> withdraw, List<List<String>> release) {}

  private final Announcer announcer;
  private final Map<String, List<List<String>>> held = new LinkedHashMap<>();
  private final Set<String> ended = new LinkedHashSet<>();

  RouteLedger(Announcer announcer) {
    this.announcer = announcer;
  }

  /** The plan for incident {@code id} to hold {@code wanted}, given what every incident holds ({@code held}). */
  static Plan plan(Map<String, List<List<String>>> held, String id, List<List<String>> wanted) {
    List<List<String>> mine = held.getOrDefault(id, List.of());
    Set<List<String>> others = new LinkedHashSet<>();
    held.forEach((other, routes) -> {
      if (!other.equals(id)) others.addAll(routes);
    });
    List<List<String>> announce = new ArrayList<>();
    for (List<String> r : new LinkedHashSet<>(wanted)) if (!mine.contains(r)) announce.add(r);
    List<List<String>> withdraw = new ArrayList<>();
    List<List<String>> release = new ArrayList<>();
    for (List<String> r : mine) {
      if (!wanted.contains(r)) (others.contains(r) ? release : withdraw).add(r);
    }
    return new Plan(List.copyOf(announce), List.copyOf(withdraw), List.copyOf(release));
  }

  /**
   * Brings incident {@code id} to {@code wanted} (empty when it has ended, {@code end}), and forgets it once it has
   * ended with nothing left held.
   */
  Outcome reconcile(String id, List<List<String>> wanted, boolean end) {
    Plan plan = plan(held, id, wanted);
    List<List<String>> now = new ArrayList<>(held.getOrDefault(id, List.of()));
    now.removeAll(plan.release());
    List<List<String>> announced = new ArrayList<>();
    List<List<String>> withdrawn = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (List<String> r : plan.announce()) {
      try {
        announcer.announce(List.of(r));
        announced.add(r);
        now.add(r);
      } catch (IOException | RuntimeException e) {
        errors.add(announcer.text(r) + ": " + e.getMessage());
      }
    }
    for (List<String> r : plan.withdraw()) {
      try {
        announcer.withdraw(List.of(r));
        withdrawn.add(r);
        now.remove(r);
      } catch (IOException | RuntimeException e) {
        errors.add(announcer.withdrawalText(r) + ": " + e.getMessage());
      }
    }
    if (now.isEmpty()) {
      held.remove(id);
    } else {
      held.put(id, List.copyOf(now));
    }
    if (end && !now.isEmpty()) {
      ended.add(id);
      LOG.error("incident {} has ended, but {} of its routes are still announced through {}: tried again at the next"
          + " incident state, or withdraw them by hand: {}", id, now.size(), announcer.target(),
          now.stream().map(announcer::withdrawalText).toList());
    } else {
      ended.remove(id);
    }
    errors.forEach(e -> LOG.warn("incident {}: {}", id, e));
    return new Outcome(List.copyOf(now), List.copyOf(announced), List.copyOf(withdrawn), List.copyOf(errors));
  }

  /** The outcome of leaving incident {@code id} as it is: what it holds, nothing sent. */
  Outcome unchanged(String id) {
    return new Outcome(held.getOrDefault(id, List.of()), List.of(), List.of(), List.of());
  }

  /** Tries again to withdraw the routes of every ended incident that still holds some; their outcomes by id. */
  Map<String, Outcome> retryEnded() {
    Map<String, Outcome> out = new LinkedHashMap<>();
    for (String id : List.copyOf(ended)) out.put(id, reconcile(id, List.of(), true));
    return out;
  }

  /** Takes over what a record of an earlier run says incident {@code id} holds, and whether it had ended. */
  void restore(String id, List<List<String>> routes, boolean end) {
    if (routes.isEmpty()) {
      held.remove(id);
      ended.remove(id);
      return;
    }
    held.put(id, List.copyOf(routes));
    if (end) {
      ended.add(id);
    } else {
      ended.remove(id);
    }
  }

  /** The routes of ended incidents still held: withdrawals owed. */
  int owed() {
    return ended.stream().mapToInt(id -> held.get(id).size()).sum();
  }

  /** Whether incident {@code id} holds any route. */
  boolean holds(String id) {
    return held.containsKey(id);
  }

  /** Every incident's routes, for the log after a restore. */
  Map<String, List<List<String>>> held() {
    return Map.copyOf(held);
  }

  Announcer announcer() {
    return announcer;
  }
}
