package io.kaminari.stream;

import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentFeed;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The victims of the followed model's open incidents, as its incidents topic says: what the scaled-out scorer's source
 * tasks profile besides each window's heaviest prefixes ({@code VictimProfiles#follow}), as the single scorer's
 * windows follow its tracker's open victims. The incidents are tracked by the aggregators, possibly in other
 * instances, so each instance learns them from the topic ({@link IncidentFeed} without a group, from the states of
 * {@code incidents.max-age}); a source task follows a new victim from the first window it opens after the state
 * arrives, normally the incident's next. Only the victim profiles depend on it, never a score.
 *
 * <p>{@link #handle} runs on the feed's thread, {@link #test} on the stream threads, for every flow of a prefix not
 * among the heaviest: one volatile read and a lookup in an immutable set.
 */
final class OpenVictims implements IncidentFeed.Handler, Predicate<String> {
  /** Each open incident's victim; the feed's thread only. */
  private final Map<String, String> byIncident = new HashMap<>();
  private volatile Set<String> victims = Set.of();

  @Override
  public void handle(IncidentEvent state) {
    if (state.kind() == IncidentEvent.Kind.RESOLVE) {
      byIncident.remove(state.id());
    } else {
      byIncident.put(state.id(), state.victim());
    }
    victims = Set.copyOf(byIncident.values());
  }

  @Override
  public boolean test(String prefix) {
    return victims.contains(prefix);
  }
}
