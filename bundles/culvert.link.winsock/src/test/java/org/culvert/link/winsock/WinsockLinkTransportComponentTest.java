package org.culvert.link.winsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

import javax.xml.parsers.DocumentBuilderFactory;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.plugin.Availability;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * How the bundle presents itself to a framework: the service properties the core selects by, the
 * {@code osgi.native} requirement that keeps it out of non-Windows frameworks, and what the
 * component says when it is activated off Windows anyway.
 */
class WinsockLinkTransportComponentTest {
    private static Path classes() throws Exception {
        return Path.of(WinsockLinkTransport.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void offWindowsTheTransportIsUnavailableWithItsCauseAndOpenIsUnsupported() {
        WinsockLinkTransport transport = new WinsockLinkTransport();
        Availability a = transport.availability();
        assertFalse(a.isAvailable());
        assertTrue(a.cause().contains("not Windows"), a.cause());
        LinkException e = assertThrows(LinkException.class, () -> transport.open(Pairs.udp(AddressFamily.IPV4, "127.0.0.1").build()));
        assertEquals(Reason.UNSUPPORTED, e.reason());
        assertTrue(e.getMessage().contains("not Windows"), e.getMessage());
    }

    @Test
    void theManifestRequiresWindowsOnA64BitProcessorAndExportsNothing() throws Exception {
        Path mf = classes().resolve("META-INF/MANIFEST.MF");
        assertTrue(Files.exists(mf), "bnd did not write " + mf);
        Attributes main;
        try (InputStream in = Files.newInputStream(mf)) {
            main = new Manifest(in).getMainAttributes();
        }
        assertEquals("culvert.link.winsock", main.getValue("Bundle-SymbolicName"));
        String required = main.getValue("Require-Capability");
        assertNotNull(required);
        assertTrue(required.contains("osgi.native;filter:=\"(&(osgi.native.osname~=win32)"
                + "(|(osgi.native.processor~=x86-64)(osgi.native.processor~=aarch64)))\""), required);
        assertNull(main.getValue("Export-Package"), "a plugin exports nothing");
        assertTrue(main.getValue("Import-Package").contains("org.culvert.platform.win32.winsock"), main.getValue("Import-Package"));
    }

    @Test
    void theComponentRegistersTheLinkTransportWithThePropertiesTheCoreSelectsBy() throws Exception {
        Path xml = classes().resolve("OSGI-INF/" + WinsockLinkTransport.class.getName() + ".xml");
        assertTrue(Files.exists(xml), "bnd did not write " + xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        NodeList provides = doc.getElementsByTagName("provide");
        assertEquals(1, provides.getLength());
        assertEquals("org.culvert.api.link.LinkTransport", ((Element) provides.item(0)).getAttribute("interface"));
        Map<String, Element> properties = new HashMap<>();
        NodeList nodes = doc.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element p = (Element) nodes.item(i);
            properties.put(p.getAttribute("name"), p);
        }
        assertEquals("link-transport", properties.get("culvert.plugin.kind").getAttribute("value"));
        assertEquals("winsock", properties.get("culvert.plugin.name").getAttribute("value"));
        assertEquals("win32", properties.get("culvert.plugin.os").getAttribute("value"));
        assertEquals("WIN32_EVENT", properties.get("culvert.plugin.handle.kinds").getAttribute("value"));
        assertEquals(List.of("udp", "tcp-client", "tcp-server"),
                Arrays.asList(properties.get("culvert.link.protocols").getTextContent().trim().split("\\s+")));
        assertEquals("Integer", properties.get("service.ranking").getAttribute("type"));
        assertEquals("100", properties.get("service.ranking").getAttribute("value"));
    }
}
