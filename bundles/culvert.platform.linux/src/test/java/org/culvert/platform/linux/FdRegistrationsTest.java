package org.culvert.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FdRegistrationsTest {
    @Test
    void appendFindSetAndGrow() {
        FdRegistrations table = new FdRegistrations(2);
        assertEquals(-1, table.indexOf(5));
        assertEquals(0, table.append(5));
        table.set(0, 1, 50);
        assertEquals(1, table.append(6));
        table.set(1, 2, 60);
        assertEquals(2, table.capacity());
        assertEquals(2, table.append(7), "the third append grows the table");
        assertEquals(4, table.capacity());
        assertEquals(0, table.interest(2));
        assertEquals(0, table.tag(2));
        assertEquals(1, table.indexOf(6));
        assertEquals(6, table.fd(1));
        assertEquals(2, table.interest(1));
        assertEquals(60, table.tag(1));
        assertEquals(50, table.tag(0), "growing kept the entries");
    }

    @Test
    void removeMovesTheLastEntryIntoTheSlot() {
        FdRegistrations table = new FdRegistrations(4);
        for (int fd = 10; fd < 13; fd++) {
            table.set(table.append(fd), 1, fd * 10);
        }
        table.removeAt(0);
        assertEquals(2, table.size());
        assertEquals(12, table.fd(0));
        assertEquals(120, table.tag(0));
        assertEquals(-1, table.indexOf(10));
        table.removeAt(1);
        assertEquals(1, table.size());
        assertEquals(-1, table.indexOf(11));
        table.clear();
        assertEquals(0, table.size());
        assertEquals(-1, table.indexOf(12));
        assertEquals(4, table.capacity());
    }

    @Test
    void reappendedSlotStartsWithNoInterest() {
        FdRegistrations table = new FdRegistrations(1);
        table.set(table.append(3), 3, 9);
        table.clear();
        int i = table.append(4);
        assertEquals(0, table.interest(i));
        assertEquals(0, table.tag(i));
    }

    @Test
    void rejectsNonPositiveCapacity() {
        assertThrows(IllegalArgumentException.class, () -> new FdRegistrations(0));
        assertThrows(IllegalArgumentException.class, () -> new FdRegistrations(-1));
    }

    @Test
    void pollTimeoutMapsNegativeToForeverAndCapsLargeValues() {
        assertEquals(-1, FdRegistrations.toPollTimeout(-1));
        assertEquals(-1, FdRegistrations.toPollTimeout(Long.MIN_VALUE));
        assertEquals(0, FdRegistrations.toPollTimeout(0));
        assertEquals(1500, FdRegistrations.toPollTimeout(1500));
        assertEquals(Integer.MAX_VALUE, FdRegistrations.toPollTimeout(Integer.MAX_VALUE + 1L));
    }
}
