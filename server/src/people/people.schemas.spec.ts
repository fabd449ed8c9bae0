import { gradeOfClass, normaliseClassName, normalisePhone } from './people.schemas.js';

describe('data-entry normalisation', () => {
  it('normalises class names', () => {
    expect(normaliseClassName('6a')).toBe('6A');
    expect(normaliseClassName('Lớp 6A')).toBe('6A');
    expect(normaliseClassName('Lo\u031B\u0301p 7b ')).toBe('7B');
    expect(normaliseClassName(' 10 a1')).toBe('10A1');
    expect(gradeOfClass('10A1')).toBe(10);
    expect(gradeOfClass('Mầm')).toBeNull();
  });
  it('normalises Vietnamese phone numbers to 0…', () => {
    expect(normalisePhone('+84 912 345 678')).toBe('0912345678');
    expect(normalisePhone('84912345678')).toBe('0912345678');
    expect(normalisePhone('0912.345.678')).toBe('0912345678');
    expect(normalisePhone('912345678')).toBe('0912345678');
    expect(normalisePhone('12345')).toBeNull();
  });
});
