// Personal data as people write it: e-mail addresses (RFC 5322 local parts),
// phone numbers in each country's national and international notation (ITU-T
// E.164 and the national plans; fictional ranges where a plan has them),
// payment cards (ISO/IEC 7812, Luhn; the networks' published test numbers),
// IBANs (ISO 13616, the registry's examples), US SSNs, IPv4/IPv6 addresses.
import { c, type Case } from './types.js';

const p = (kind: string, template: string, value: string): Case => c('pii', kind, template.replace('{}', value), value);

export const PII: Case[] = [
  // e-mail
  p('email', 'Please send the signed contract to {} before Friday.', 'maria.gonzalez@example.com'),
  p('email', 'Contact: {}', 'j.doe+invoices@corp.example.co.uk'),
  p('email', 'My address is {}, reply there.', 'o_brien-1984@mail.example.ie'),
  p('email', 'From: "Kim, Lee" <{}>', 'lee.kim@example.kr'),
  p('email', 'cc {};', 'FINANCE.TEAM@EXAMPLE.ORG'),
  p('email', 'Schreib mir an {} – danke!', 'jürgen.mueller@example.de'.replace('ü', 'ue')),
  p('email', '请联系 {} 获取报价', 'sales.cn@example.com.cn'),
  p('email', 'log line: user={} action=login', 'admin@internal.example'),
  p('email', 'Forward it to {}.', 'first.last@sub.domain.example.travel'),
  p('email', 'mailto:{}?subject=Hi', 'hello@example.io'),
  // phones, international
  p('phone-intl', 'Call me on {} tomorrow.', '+1 415 555 2671'),
  p('phone-intl', 'UK desk: {}', '+44 20 7946 0958'),
  p('phone-intl', 'Berlin office {}', '+49 30 901820 40'),
  p('phone-intl', 'Paris: {} (standard)', '+33 1 42 68 53 00'),
  p('phone-intl', 'Tokyo: {}', '+81 3-1234-5678'),
  p('phone-intl', 'Mumbai mobile {}', '+91 98765 43210'),
  p('phone-intl', 'São Paulo {}', '+55 11 91234-5678'),
  p('phone-intl', 'Sydney {}', '+61 2 9876 5432'),
  p('phone-intl', 'Madrid {}', '+34 912 345 678'),
  p('phone-intl', 'E.164: {}', '+442079460958'),
  p('phone-intl', 'Moscow: {}', '+7 495 123-45-67'),
  p('phone-intl', 'Seoul {}', '+82 2-312-3456'),
  p('phone-intl', 'Dial {} from abroad', '0044 20 7946 0018'),
  // phones, national notation
  p('phone-national', 'My number is {}.', '(212) 555-0199'),
  p('phone-national', 'cell: {}', '415-555-0132'),
  p('phone-national', 'Ring the London office on {}.', '020 7946 0018'),
  p('phone-national', 'Ruf mich an: {}', '030 12345678'),
  p('phone-national', 'Appelez le {} avant midi.', '01 23 45 67 89'),
  p('phone-national', 'Mon portable : {}', '06 12 34 56 78'),
  p('phone-national', '電話番号は {} です。', '03-1234-5678'),
  p('phone-national', 'Llámame al {}', '912 345 678'),
  p('phone-national', 'Chiamami al {}', '02 1234 5678'),
  p('phone-national', 'Bel me op {}', '020 123 4567'),
  p('phone-national', 'Tel.: {}', '4155550123'),
  // cards (networks' test numbers)
  p('card', 'Card {} exp 12/29 cvc 123', '4111 1111 1111 1111'),
  p('card', 'charge {} please', '5555-5555-5555-4444'),
  p('card', 'Amex {}', '3782 822463 10005'),
  p('card', 'discover:{}', '6011111111111117'),
  p('card', 'JCB card number {}', '3530111333300000'),
  p('card', 'Visa {} was declined', '4012888888881881'),
  p('card', 'mastercard 2-series {}', '2223003122003222'),
  // IBANs (ISO 13616 registry examples)
  p('iban', 'IBAN {} for the transfer', 'DE89 3704 0044 0532 0130 00'),
  p('iban', 'pay {} by Friday', 'GB82WEST12345698765432'),
  p('iban', 'RIB/IBAN : {}', 'FR14 2004 1010 0505 0001 3M02 606'),
  p('iban', 'Dutch account {}.', 'NL91ABNA0417164300'),
  p('iban', 'Cuenta {}', 'ES91 2100 0418 4502 0005 1332'),
  p('iban', 'conto {}', 'IT60 X054 2811 1010 0000 0123 456'),
  p('iban', 'Konto {}', 'CH93 0076 2011 6238 5295 7'),
  // US SSNs
  p('ssn', 'SSN {} on the W-2', '123-45-6789'),
  p('ssn', 'her social is {}', '078-05-1120'),
  p('ssn', 'Social Security Number: {}', '219-09-9999'),
  // IP addresses
  p('ip', 'The server at {} is down', '192.168.10.25'),
  p('ip', 'connect to {}:8080', '10.0.0.1'),
  p('ip', 'blocked traffic from {} overnight', '203.0.113.77'),
  p('ip', 'ssh admin@{}', '172.16.254.3'),
  p('ip', 'IPv6 host {} answered', '2001:db8::8a2e:370:7334'),
  p('ip', 'from {} on eth0', 'fe80::1ff:fe23:4567:890a'),
  p('ip', 'nameserver {}', '8.8.4.4'),
];
