package io.kaminari.incidents;

import java.time.Instant;

/**
 * One incident as the anomalous windows define it, before the flows add its vector and peaks.
 *
 * @param id {@link IncidentGrouping#id}: the same for the same model, scope, victim and start, whichever run computes
 *     it
 * @param start the first anomalous window's start
 * @param lastUpdate the last anomalous window's end
 * @param end {@code lastUpdate} once the quiet windows after it lie within the data read; null while open
 * @param windows the anomalous windows
 * @param windowSeconds the length of the model's windows
 * @param complete whether the quiet windows before {@code start} lie within the data read too: if not, the incident
 *     may have started earlier than the data shows, and its start (hence its id) is unknown
 */
public record IncidentSpan(String id, String model, String scope, String victim, Instant start, Instant lastUpdate,
    Instant end, int windows, double peakScore, long windowSeconds, boolean complete) {

  /** Whether the incident was still running at the end of the data read. */
  public boolean open() {
    return end == null;
  }
}
