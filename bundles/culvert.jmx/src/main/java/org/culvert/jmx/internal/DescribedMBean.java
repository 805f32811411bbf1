package org.culvert.jmx.internal;

import java.util.Map;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.StandardMBean;

/**
 * An MXBean with a description for itself and for each attribute and operation, for consoles; every
 * operation is an action.
 */
abstract class DescribedMBean extends StandardMBean {
    private final Map<String, String> descriptions;

    DescribedMBean(Class<?> mxbeanInterface, Map<String, String> descriptions) {
        super(mxbeanInterface, true);
        this.descriptions = descriptions;
    }

    /** The MBean's own description. */
    abstract String description();

    @Override
    protected String getDescription(MBeanInfo info) {
        return description();
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return descriptions.getOrDefault(info.getName(), info.getDescription());
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return descriptions.getOrDefault(info.getName(), info.getDescription());
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return MBeanOperationInfo.ACTION;
    }
}
