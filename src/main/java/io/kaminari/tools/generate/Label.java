package io.kaminari.tools.generate;

import java.time.Instant;

/** Ground truth for one window and one attack overlapping it: how many of the attack's flow records started in it. */
public record Label(Instant windowStart, AttackKind attackKind, String victim, long attackFlows) {}
