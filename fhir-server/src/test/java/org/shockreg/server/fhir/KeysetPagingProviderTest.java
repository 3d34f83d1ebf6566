package org.shockreg.server.fhir;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeysetPagingProviderTest {

  /** A search that is never run: these tests stop before any page is read. */
  private static final PagedQuery NOT_RUN =
      new PagedQuery() {
        @Override
        public Page page(
            org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate jdbc,
            String cursor,
            int limit) {
          return new Page(List.of(), null);
        }

        @Override
        public int count(org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate jdbc) {
          return 0;
        }
      };

  @Test
  void nextLinkOfASearchPastItsTtl_isGone() {
    KeysetPagingProvider paging =
        new KeysetPagingProvider(null, 20, 100, Duration.ofMillis(50), 10);
    String id = paging.start(NOT_RUN, false, false).getUuid();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> paging.retrieveResultList(null, id, "20-first"))
                    .isInstanceOf(ResourceGoneException.class)
                    .hasMessageContaining("SR-PAGE-2"));
  }

  @Test
  void unknownSearch_isGone() {
    KeysetPagingProvider paging =
        new KeysetPagingProvider(null, 20, 100, Duration.ofMinutes(5), 10);
    assertThatThrownBy(() -> paging.retrieveResultList(null, "no-such-search", "20-first"))
        .isInstanceOf(ResourceGoneException.class);
  }
}
