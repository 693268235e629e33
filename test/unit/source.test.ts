import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { createSourceClassifier, SOURCE_CLASSES } from '../../lib/classify/request-source';
import { ConfigurationError } from '../../lib/core/errors';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { parseNamedNetworks } from '../../lib/net/named-networks';

const classifier = (networks = '') => createSourceClassifier(bundledIpRanges(), parseNamedNetworks(networks));

const record = (overrides: Partial<CloudTrailRecord>): CloudTrailRecord => ({
  eventVersion: '1.09',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', principalId: 'AIDAEXAMPLE' },
  ...overrides,
});

const instanceRole = (sessionName: string, extra: Partial<NonNullable<CloudTrailRecord['userIdentity']>> = {}) => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLEROLEID:${sessionName}`,
  arn: `arn:aws:sts::111122223333:assumed-role/app-server/${sessionName}`,
  ...extra,
});

describe('Function: createSourceClassifier', () => {
  it('lists every source class once', () => {
    expect([...SOURCE_CLASSES].sort()).toEqual(['aws', 'aws-service', 'ec2', 'external', 'private', 'vpc-endpoint']);
  });

  it('carries the syncToken of the ranges it classifies with', () => {
    expect(classifier().rangesSyncToken).toBe('1787411825');
  });

  it.each([
    ['AWS Internal', 'AWS Internal'],
    ['cloudtrail.amazonaws.com', 'cloudtrail.amazonaws.com'],
    ['', ''],
    [undefined, ''],
  ])('classifies the non-address source %j as aws-service', (sourceIPAddress, address) => {
    expect(classifier().classify(record({ sourceIPAddress }))).toEqual({ class: 'aws-service', address });
  });

  it('classifies a VPC endpoint request and records the endpoint and its account', () => {
    // Act
    const source = classifier().classify(
      record({
        sourceIPAddress: '10.0.1.25',
        vpcEndpointId: 'vpce-0a1b2c3d4e5f60718',
        vpcEndpointAccountId: '444455556666',
      }),
    );

    // Assess
    expect(source).toEqual({
      class: 'vpc-endpoint',
      address: '10.0.1.25',
      vpcEndpointId: 'vpce-0a1b2c3d4e5f60718',
      vpcEndpointAccountId: '444455556666',
    });
  });

  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.20',
    '100.64.12.1', // CGNAT
    '127.0.0.1',
    '169.254.169.254',
    'fd00:ec2::254',
    'fe80::1',
    '::1',
  ])('classifies %s as private', (sourceIPAddress) => {
    expect(classifier().classify(record({ sourceIPAddress }))).toEqual({ class: 'private', address: sourceIPAddress });
  });

  it('classifies an address in an EC2 range as ec2, with the service and region labels', () => {
    expect(classifier().classify(record({ sourceIPAddress: '3.24.0.1' }))).toEqual({
      class: 'ec2',
      address: '3.24.0.1',
      awsService: 'EC2',
      awsRegion: 'ap-southeast-2',
      awsPrefix: '3.24.0.0/14',
    });
  });

  it.each([
    ['an S3 range inside an EC2 range', '3.26.88.5', 'S3'],
    ['a CODEBUILD range inside an EC2 range', '3.26.127.25', 'CODEBUILD'],
    ['an AMAZON-only range', '70.232.86.123', 'AMAZON'],
  ])('classifies %s as aws, not ec2', (_case, sourceIPAddress, awsService) => {
    expect(classifier().classify(record({ sourceIPAddress }))).toMatchObject({ class: 'aws', awsService });
  });

  it('classifies IPv6 and IPv4-mapped addresses, with the normalised address', () => {
    // Prepare
    const sources = classifier();

    // Act
    const v6 = sources.classify(record({ sourceIPAddress: '2400:7FC0:0110:0100::1' }));
    const mapped = sources.classify(record({ sourceIPAddress: '::ffff:3.24.0.1' }));
    const s3v6 = sources.classify(record({ sourceIPAddress: '2400:7fc0:110::1' }));

    // Assess
    expect(v6).toMatchObject({ class: 'ec2', address: '2400:7fc0:110:100::1', awsRegion: 'cn-north-1' });
    expect(mapped).toMatchObject({ class: 'ec2', address: '3.24.0.1' });
    expect(s3v6).toMatchObject({ class: 'aws', awsService: 'S3' });
  });

  it('classifies an address outside every range as external', () => {
    expect(classifier().classify(record({ sourceIPAddress: '198.51.100.7' }))).toEqual({
      class: 'external',
      address: '198.51.100.7',
    });
  });

  describe('with named networks', () => {
    it('names an external office address without changing its class', () => {
      expect(classifier('office=203.0.113.0/24').classify(record({ sourceIPAddress: '203.0.113.7' }))).toEqual({
        class: 'external',
        address: '203.0.113.7',
        network: 'office',
      });
    });

    it('keeps a named network inside an EC2 range as ec2, with the network name', () => {
      expect(classifier('my-nat=3.24.0.0/24').classify(record({ sourceIPAddress: '3.24.0.9' }))).toMatchObject({
        class: 'ec2',
        network: 'my-nat',
        awsService: 'EC2',
      });
    });

    it('names private, VPC endpoint and IPv6 addresses too', () => {
      // Prepare
      const sources = classifier('vpc=10.0.0.0/16,office=2001:db8::/32');

      // Act & Assess
      expect(sources.classify(record({ sourceIPAddress: '10.0.3.4' }))).toMatchObject({
        class: 'private',
        network: 'vpc',
      });
      expect(sources.classify(record({ sourceIPAddress: '10.0.3.4', vpcEndpointId: 'vpce-1' }))).toMatchObject({
        class: 'vpc-endpoint',
        network: 'vpc',
      });
      expect(sources.classify(record({ sourceIPAddress: '2001:db8::42' }))).toMatchObject({
        class: 'external',
        network: 'office',
      });
    });

    it('picks the most specific named network', () => {
      // Prepare
      const sources = classifier('office=203.0.113.0/24,printers=203.0.113.128/25');

      // Act & Assess
      expect(sources.classify(record({ sourceIPAddress: '203.0.113.200' })).network).toBe('printers');
      expect(sources.classify(record({ sourceIPAddress: '203.0.113.7' })).network).toBe('office');
    });

    it('refuses an invalid network handed over directly', () => {
      expect(() => createSourceClassifier(bundledIpRanges(), [{ name: 'office', cidr: '203.0.113.7/24' }])).toThrow(
        ConfigurationError,
      );
    });
  });

  describe('EC2 credential evidence', () => {
    it('reads sessionContext.ec2RoleDelivery as instance metadata credentials, with the instance id', () => {
      // Act
      const source = classifier().classify(
        record({
          sourceIPAddress: '3.24.0.1',
          userIdentity: instanceRole('i-0123456789abcdef0', { sessionContext: { ec2RoleDelivery: '2.0' } }),
        }),
      );

      // Assess
      expect(source).toMatchObject({
        class: 'ec2',
        ec2Credentials: 'instance-metadata',
        instanceId: 'i-0123456789abcdef0',
      });
      expect(source.ec2CredentialsOutsideAws).toBeUndefined();
    });

    it('reads an instance id as role session name as an instance role session', () => {
      expect(
        classifier().classify(record({ sourceIPAddress: '10.0.0.5', userIdentity: instanceRole('i-0abc1234') })),
      ).toEqual({
        class: 'private',
        address: '10.0.0.5',
        ec2Credentials: 'instance-role-session',
        instanceId: 'i-0abc1234',
      });
    });

    it('reads the instance id from the principalId when the ARN is missing', () => {
      // Prepare
      const userIdentity = { type: 'AssumedRole', principalId: 'AROAEXAMPLEROLEID:i-0123456789abcdef0' };

      // Act & Assess
      expect(classifier().classify(record({ sourceIPAddress: '3.24.0.1', userIdentity }))).toMatchObject({
        ec2Credentials: 'instance-role-session',
        instanceId: 'i-0123456789abcdef0',
      });
    });

    it('accepts other partitions in the ARN', () => {
      const userIdentity = { arn: 'arn:aws-cn:sts::111122223333:assumed-role/app/i-0123456789abcdef0' };
      expect(classifier().classify(record({ sourceIPAddress: '3.24.0.1', userIdentity })).instanceId).toBe(
        'i-0123456789abcdef0',
      );
    });

    it('reads ec2RoleDelivery alone, without an instance id', () => {
      const userIdentity = {
        arn: 'arn:aws:sts::111122223333:assumed-role/app/custom',
        sessionContext: { ec2RoleDelivery: '1.0' },
      };
      const source = classifier().classify(record({ sourceIPAddress: '3.24.0.1', userIdentity }));
      expect(source.ec2Credentials).toBe('instance-metadata');
      expect(source.instanceId).toBeUndefined();
    });

    it.each([
      ['a user-chosen session name', 'alice'],
      ['an id that is too short', 'i-0123'],
      ['an id with 16 hex digits', 'i-0123456789abcdef'],
      ['an id in capitals', 'i-0123456789ABCDEF0'],
      ['an id with a suffix', 'i-0123456789abcdef0-x'],
    ])('sees no EC2 credentials in %s', (_case, sessionName) => {
      const source = classifier().classify(
        record({ sourceIPAddress: '3.24.0.1', userIdentity: instanceRole(sessionName) }),
      );
      expect(source.ec2Credentials).toBeUndefined();
      expect(source.instanceId).toBeUndefined();
    });

    it('flags EC2 credentials used from outside AWS, private space and the named networks', () => {
      // Prepare
      const sources = classifier('office=203.0.113.0/24');
      const stolen = instanceRole('i-0123456789abcdef0', { sessionContext: { ec2RoleDelivery: '2.0' } });

      // Act
      const fromInternet = sources.classify(record({ sourceIPAddress: '198.51.100.7', userIdentity: stolen }));
      const fromOffice = sources.classify(record({ sourceIPAddress: '203.0.113.7', userIdentity: stolen }));
      const fromAws = sources.classify(record({ sourceIPAddress: '3.26.88.5', userIdentity: stolen }));
      const fromPrivate = sources.classify(record({ sourceIPAddress: '10.0.0.5', userIdentity: stolen }));
      const throughEndpoint = sources.classify(
        record({ sourceIPAddress: '198.51.100.7', vpcEndpointId: 'vpce-1', userIdentity: stolen }),
      );
      const fromService = sources.classify(record({ sourceIPAddress: 'AWS Internal', userIdentity: stolen }));
      const withoutEc2Credentials = sources.classify(record({ sourceIPAddress: '198.51.100.7' }));

      // Assess
      expect(fromInternet).toMatchObject({
        class: 'external',
        ec2CredentialsOutsideAws: true,
        instanceId: 'i-0123456789abcdef0',
      });
      for (const source of [fromOffice, fromAws, fromPrivate, throughEndpoint, fromService, withoutEc2Credentials]) {
        expect(source.ec2CredentialsOutsideAws).toBeUndefined();
      }
    });
  });

  describe('per-file cache', () => {
    it('returns the same frozen object for a repeated address', () => {
      // Prepare
      const sources = classifier('office=203.0.113.0/24');

      // Act
      const first = sources.classify(record({ sourceIPAddress: '203.0.113.7', eventName: 'GetObject' }));
      const second = sources.classify(record({ sourceIPAddress: '203.0.113.7', eventName: 'PutObject' }));

      // Assess
      expect(second).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    });

    it('also reuses objects for records with the same endpoint or the same EC2 evidence', () => {
      // Prepare
      const sources = classifier();
      const viaEndpoint = record({ sourceIPAddress: '10.0.0.5', vpcEndpointId: 'vpce-1' });
      const fromInstance = record({ sourceIPAddress: '3.24.0.1', userIdentity: instanceRole('i-0abc1234') });

      // Act & Assess
      expect(sources.classify({ ...viaEndpoint })).toBe(sources.classify({ ...viaEndpoint }));
      expect(sources.classify({ ...fromInstance })).toBe(sources.classify({ ...fromInstance }));
    });

    it('keeps records apart that share an address but not the endpoint or the instance', () => {
      // Prepare
      const sources = classifier();

      // Act
      const plain = sources.classify(record({ sourceIPAddress: '10.0.0.5' }));
      const endpointA = sources.classify(record({ sourceIPAddress: '10.0.0.5', vpcEndpointId: 'vpce-a' }));
      const endpointB = sources.classify(record({ sourceIPAddress: '10.0.0.5', vpcEndpointId: 'vpce-b' }));
      const instanceA = sources.classify(
        record({ sourceIPAddress: '10.0.0.5', userIdentity: instanceRole('i-0aaaaaaa') }),
      );
      const instanceB = sources.classify(
        record({ sourceIPAddress: '10.0.0.5', userIdentity: instanceRole('i-0bbbbbbb') }),
      );

      // Assess
      expect(plain.class).toBe('private');
      expect([endpointA.vpcEndpointId, endpointB.vpcEndpointId]).toEqual(['vpce-a', 'vpce-b']);
      expect([instanceA.instanceId, instanceB.instanceId]).toEqual(['i-0aaaaaaa', 'i-0bbbbbbb']);
      expect(plain.vpcEndpointId).toBeUndefined();
    });

    it('keeps classifiers of different files apart', () => {
      const address = record({ sourceIPAddress: '203.0.113.7' });
      expect(classifier('office=203.0.113.0/24').classify(address).network).toBe('office');
      expect(classifier().classify(address).network).toBeUndefined();
    });
  });
});
