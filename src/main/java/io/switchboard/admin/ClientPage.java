package io.switchboard.admin;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * One page of the client list.
 *
 * @param clients by ascending ID
 * @param next the {@code after} of the next page; null when this is the last
 * @param unanswered cluster mode: nodes that did not answer in time, whose clients are missing
 *        from this page; left out of the JSON when empty, as it always is on a single node
 */
record ClientPage(List<ClientView> clients, @Nullable Long next,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> unanswered) {
}
