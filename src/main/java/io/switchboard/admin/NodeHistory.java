package io.switchboard.admin;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every node's messages per second in and out over the last five minutes, for the overview's
 * per-node charts: one point per answer of the nodes ({@link NodeTable}), so the history covers
 * the time some console page was open on this node (the nodes are asked only then). A node that
 * has had no numbers for five minutes (it left, or has not answered since) is dropped, so the
 * history is bounded by the nodes live in that time, five minutes of points each.
 *
 * <p>Written by the node table's one asking thread, read by the request that renders the page:
 * both under this object's lock.
 */
final class NodeHistory {

    static final int SECONDS = RelaySampler.HISTORY;

    /**
     * One node's rates at one answer; NaN where there is no rate (no earlier answer, the node
     * restarted, or it did not answer), which the charts show as a gap.
     */
    record Point(String node, double messagesIn, double messagesOut) {

        boolean known() {
            return !Double.isNaN(this.messagesIn) || !Double.isNaN(this.messagesOut);
        }
    }

    private record Timed(long epochSecond, Point point) {
    }

    /** By node: the latest answer's order, then nodes no longer in it. */
    private Map<String, ArrayDeque<Timed>> byNode = new LinkedHashMap<>();

    synchronized void add(long epochSecond, List<Point> points) {
        Map<String, ArrayDeque<Timed>> next = new LinkedHashMap<>();
        for (Point point : points) {
            ArrayDeque<Timed> history = this.byNode.remove(point.node());
            if (history == null) {
                history = new ArrayDeque<>();
            }
            history.addLast(new Timed(epochSecond, point));
            next.put(point.node(), history);
        }
        next.putAll(this.byNode);
        for (Iterator<ArrayDeque<Timed>> nodes = next.values().iterator(); nodes.hasNext();) {
            ArrayDeque<Timed> history = nodes.next();
            // Answers come at most once a second, so the window holds at most SECONDS of them.
            while (!history.isEmpty() && (history.size() > SECONDS
                    || history.peekFirst().epochSecond() <= epochSecond - SECONDS)) {
                history.removeFirst();
            }
            if (history.stream().noneMatch((timed) -> timed.point().known())) {
                nodes.remove();
            }
        }
        this.byNode = next;
    }

    /** {@code [[node, [[epochSecond, in, out], ...]], ...]}. */
    synchronized String json() {
        StringBuilder json = new StringBuilder("[");
        this.byNode.forEach((node, history) -> {
            json.append((json.length() > 1) ? ",[" : "[");
            ConsoleJson.string(json, node);
            json.append(",[");
            boolean first = true;
            for (Timed timed : history) {
                json.append(first ? "[" : ",[").append(timed.epochSecond()).append(',');
                ConsoleJson.rate(json, timed.point().messagesIn());
                json.append(',');
                ConsoleJson.rate(json, timed.point().messagesOut());
                json.append(']');
                first = false;
            }
            json.append("]]");
        });
        return json.append(']').toString();
    }

    /** One answer's points as the page adds them: {@code [epochSecond, [[node, in, out], ...]]}. */
    static String sampleJson(long epochSecond, List<Point> points) {
        StringBuilder json = new StringBuilder("[").append(epochSecond).append(",[");
        boolean first = true;
        for (Point point : points) {
            json.append(first ? "[" : ",[");
            ConsoleJson.string(json, point.node());
            json.append(',');
            ConsoleJson.rate(json, point.messagesIn());
            json.append(',');
            ConsoleJson.rate(json, point.messagesOut());
            json.append(']');
            first = false;
        }
        return json.append("]]").toString();
    }
}
