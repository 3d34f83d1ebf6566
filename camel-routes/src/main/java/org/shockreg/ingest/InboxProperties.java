package org.shockreg.ingest;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The drop folder {@code <data-dir>/inbox/<sourceId>/}.
 *
 * @param enabled whether the folder is watched
 * @param pollDelay how often it is looked at
 */
@ConfigurationProperties("shockreg.inbox")
public record InboxProperties(
    @DefaultValue("true") boolean enabled, @DefaultValue("2s") Duration pollDelay) {}
