/**
 * The built-in scenario: three OEM models (a smart plug, a thermostat, an air purifier) with a
 * few devices each, covering every Ayla base type, an input without acknowledgements
 * (`child_lock`) and a read-only input (`firmware_channel`). Coordinates are real-looking
 * places so location events read naturally.
 */
import type { Scenario } from './scenario';

/** The scenario used when no `--scenario` is given. Frozen: devices copy their state from it. */
export const DEFAULT_SCENARIO: Scenario = deepFreeze<Scenario>({
  models: [
    {
      oemModel: 'smartplug-v2',
      model: 'AY008ESP1',
      productName: 'Smart Plug',
      reportIntervalSec: 30,
      properties: [
        { name: 'outlet1', displayName: 'Outlet', baseType: 'boolean', direction: 'input', value: 1, behaviour: { kind: 'toggle' } },
        { name: 'led_brightness', displayName: 'LED brightness', baseType: 'integer', direction: 'input', value: 60, behaviour: { kind: 'static' } },
        { name: 'schedule', displayName: 'Schedule', baseType: 'string', direction: 'input', value: 'weekdays 07:00-22:00', behaviour: { kind: 'static' } },
        { name: 'child_lock', displayName: 'Child lock', baseType: 'boolean', direction: 'input', value: 0, ackEnabled: false, behaviour: { kind: 'static' } },
        { name: 'power_w', displayName: 'Power (W)', baseType: 'decimal', direction: 'output', value: 42.5, behaviour: { kind: 'drift', min: 0, max: 1800, step: 15, decimals: 1 } },
        { name: 'energy_kwh', displayName: 'Energy (kWh)', baseType: 'decimal', direction: 'output', value: 12.804, behaviour: { kind: 'counter', step: 0.02, decimals: 3 } },
        {
          name: 'status_msg',
          displayName: 'Status message',
          baseType: 'message',
          direction: 'output',
          value: 'ok',
          behaviour: { kind: 'choice', values: ['ok', 'overcurrent protection armed', 'firmware 2.4.1 | up to date', 'wifi rssi -61 dBm'] },
        },
      ],
      devices: [
        { dsn: 'AC000W000340649', productName: 'Kitchen plug', lat: 44.7695, long: -69.4283, ip: '67.255.234.73', registrationType: 'AP-Mode' },
        { dsn: 'AC000W000340650', productName: 'Desk plug', lat: 44.7702, long: -69.4311, ip: '67.255.234.74', registrationType: 'Same-LAN' },
        { dsn: 'AC000W000340651', productName: 'Garage plug', lat: 44.7688, long: -69.4269, ip: '67.255.234.75', registrationType: 'Button-Push', connectionStatus: 'Offline', values: { outlet1: 0 } },
      ],
    },
    {
      oemModel: 'thermo-t100',
      model: 'AY008TST1',
      productName: 'Thermostat',
      reportIntervalSec: 60,
      properties: [
        { name: 'target_temp', displayName: 'Target temperature', baseType: 'decimal', direction: 'input', value: 21, behaviour: { kind: 'static' } },
        { name: 'hvac_mode', displayName: 'Mode', baseType: 'string', direction: 'input', value: 'heat', behaviour: { kind: 'static' } },
        { name: 'fan_on', displayName: 'Fan', baseType: 'boolean', direction: 'input', value: 0, behaviour: { kind: 'static' } },
        { name: 'firmware_channel', displayName: 'Firmware channel', baseType: 'string', direction: 'input', value: 'stable', readOnly: true, behaviour: { kind: 'static' } },
        { name: 'current_temp', displayName: 'Temperature', baseType: 'decimal', direction: 'output', value: 20.4, behaviour: { kind: 'drift', min: 14, max: 28, step: 0.2, decimals: 1 } },
        { name: 'humidity', displayName: 'Humidity (%)', baseType: 'integer', direction: 'output', value: 45, behaviour: { kind: 'drift', min: 25, max: 70, step: 1 } },
        {
          name: 'event_log',
          displayName: 'Event log',
          baseType: 'message',
          direction: 'output',
          value: 'boot',
          behaviour: { kind: 'choice', values: ['heating started', 'heating stopped', 'setpoint reached', 'Außentemperatur 3 °C'] },
        },
      ],
      devices: [
        { dsn: 'AC000W005606115', productName: 'Living room', lat: 48.8566, long: 2.3522, ip: '82.64.12.9', registrationType: 'Display' },
        { dsn: 'AC000W005606116', productName: 'Bedroom', lat: 48.8571, long: 2.3489, ip: '82.64.12.10', registrationType: 'Display', values: { current_temp: 18.9, target_temp: 19 } },
        { dsn: 'AC000W005606117', productName: 'Office', lat: -33.8688, long: 151.2093, ip: '203.0.113.20', registrationType: 'Dsn', values: { current_temp: 23.1, hvac_mode: 'cool' } },
      ],
    },
    {
      oemModel: 'airpure-ap3',
      model: 'AY008APR1',
      productName: 'Air Purifier',
      reportIntervalSec: 45,
      properties: [
        { name: 'power', displayName: 'Power', baseType: 'boolean', direction: 'input', value: 1, behaviour: { kind: 'static' } },
        { name: 'fan_speed', displayName: 'Fan speed', baseType: 'integer', direction: 'input', value: 2, behaviour: { kind: 'static' } },
        { name: 'pm25', displayName: 'PM2.5 (µg/m³)', baseType: 'integer', direction: 'output', value: 12, behaviour: { kind: 'drift', min: 0, max: 180, step: 4 } },
        { name: 'filter_hours', displayName: 'Filter hours', baseType: 'decimal', direction: 'output', value: 1204.5, behaviour: { kind: 'counter', step: 0.5, decimals: 1 } },
        { name: 'air_quality', displayName: 'Air quality', baseType: 'string', direction: 'output', value: 'good', behaviour: { kind: 'choice', values: ['good', 'moderate', 'poor'] } },
        { name: 'snapshot', displayName: 'Sensor snapshot', baseType: 'file', direction: 'output', value: 'https://files.example.com/ayla/snapshots/initial.json', behaviour: { kind: 'file', extension: 'json' } },
      ],
      devices: [
        { dsn: 'AC000W012345670', productName: 'Nursery purifier', lat: 35.6762, long: 139.6503, ip: '198.51.100.7', registrationType: 'Same-LAN' },
        { dsn: 'AC000W012345671', productName: 'Lobby purifier', lat: 35.6895, long: 139.6917, ip: '198.51.100.8', registrationType: 'AP-Mode', values: { fan_speed: 4, pm25: 37 } },
      ],
    },
  ],
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
