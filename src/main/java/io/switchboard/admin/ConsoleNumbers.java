package io.switchboard.admin;

import java.util.Locale;

/** Numbers as an operator reads them: grouped digits, rates to one decimal, sizes with a unit. */
final class ConsoleNumbers {

    private static final String[] UNITS = { "B", "KiB", "MiB", "GiB", "TiB" };

    private ConsoleNumbers() {
    }

    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.1f", perSecond);
    }

    static String bytes(double value) {
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return (unit == 0) ? count((long) value) + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
