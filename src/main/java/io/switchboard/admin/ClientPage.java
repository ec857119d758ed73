package io.switchboard.admin;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One page of the client list.
 *
 * @param clients by ascending ID
 * @param next the {@code after} of the next page; null when this is the last
 */
record ClientPage(List<ClientView> clients, @Nullable Long next) {
}
